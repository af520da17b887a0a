package org.smyrf4j.cli;

import java.util.Locale;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.BackendKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --backend auto|cpu|cuda} option, shared by the commands that compute. Left out,
 * the engine follows {@code -Dsmyrf4j.backend} or {@code SMYRF4J_BACKEND}, else chooses itself.
 */
final class BackendOption {

    /** What the user can ask for; AUTO lets the engine choose even when a property forces one. */
    enum Request {
        AUTO(null), CPU(BackendKind.CPU), CUDA(BackendKind.CUDA);

        private final BackendKind kind;

        Request(BackendKind kind) {
            this.kind = kind;
        }

        /** The backend to force, or null to let the engine choose. */
        BackendKind kind() { return kind; }
    }

    /** Parses auto, cpu or cuda, case-insensitively, with a message that lists them. */
    static final class RequestConverter implements ITypeConverter<Request> {
        @Override
        public Request convert(String value) {
            for (Request r : Request.values()) {
                if (r.name().equalsIgnoreCase(value.trim())) {
                    return r;
                }
            }
            throw new TypeConversionException("backend must be auto, cpu or cuda, got '"
                    + value.toLowerCase(Locale.ROOT) + "'");
        }
    }

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", converter = RequestConverter.class,
            description = "Backend to run on (default: -Dsmyrf4j.backend or SMYRF4J_BACKEND, else auto:"
                    + " CUDA when a usable GPU and kernel pack are present, else the CPU).")
    Request request;

    /**
     * An engine on the requested backend.
     *
     * @throws IllegalStateException when CUDA is forced but cannot run here
     * @throws IllegalArgumentException when the property or environment names no backend
     */
    AttentionEngine open() {
        return request == null ? AttentionEngine.create() : AttentionEngine.create(request.kind());
    }
}
