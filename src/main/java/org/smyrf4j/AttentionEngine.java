package org.smyrf4j;

import java.util.Locale;
import java.util.Objects;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.cuda.CudaEngine;
import org.smyrf4j.cuda.CudaProbe;

/**
 * The entry point: an attention engine on the best available backend.
 *
 * <p>The backend is CUDA when a usable GPU and a kernel pack that serves it are present, else
 * the CPU. {@code -Dsmyrf4j.backend=cpu|cuda|auto} or the environment variable
 * {@code SMYRF4J_BACKEND} force a choice; forcing CUDA where it cannot run is an error, never
 * a silent fallback. {@link #choice()} says which backend runs and why.
 *
 * <pre>{@code
 * try (AttentionEngine engine = AttentionEngine.create()) {
 *     float[] out = engine.attend(config, AttentionInputs.of(shape, q, k, v));
 * }
 * }</pre>
 *
 * Safe for concurrent use: calls from several threads give the results of sequential calls.
 */
public final class AttentionEngine implements AutoCloseable {

    /** System property that forces a backend: cpu, cuda or auto. */
    public static final String BACKEND_PROPERTY = "smyrf4j.backend";
    /** Environment variable that forces a backend when the property is absent. */
    public static final String BACKEND_ENV = "SMYRF4J_BACKEND";

    private final AttentionBackend backend;
    private final BackendChoice choice;

    private AttentionEngine(AttentionBackend backend, BackendChoice choice) {
        this.backend = backend;
        this.choice = choice;
    }

    /** An engine on the backend named by the property or environment, else the best available. */
    public static AttentionEngine create() {
        return create(requestedBackend());
    }

    /**
     * An engine on the given backend; null means the best available.
     *
     * @throws IllegalStateException when CUDA is requested but cannot run here (the message says why)
     */
    public static AttentionEngine create(BackendKind requested) {
        if (requested == BackendKind.CPU) {
            return new AttentionEngine(new CpuEngine(), new BackendChoice(BackendKind.CPU, "requested"));
        }
        CudaProbe.Result probe = CudaProbe.probe();
        if (probe.usable()) {
            CudaEngine cuda = CudaEngine.open(probe);
            String why = (requested == BackendKind.CUDA ? "requested; " : "") + probe.summary();
            return new AttentionEngine(cuda, new BackendChoice(BackendKind.CUDA, why));
        }
        if (requested == BackendKind.CUDA) {
            throw new IllegalStateException("CUDA backend requested but unavailable: " + probe.reason());
        }
        return new AttentionEngine(new CpuEngine(), new BackendChoice(BackendKind.CPU, probe.reason()));
    }

    /** Wraps an engine the caller built (tests, custom setups). */
    public static AttentionEngine of(AttentionBackend backend, String reason) {
        Objects.requireNonNull(backend, "backend");
        return new AttentionEngine(backend, new BackendChoice(backend.kind(), reason));
    }

    /**
     * The backend forced by {@value #BACKEND_PROPERTY} or {@value #BACKEND_ENV}, or null for
     * automatic choice.
     */
    public static BackendKind requestedBackend() {
        String value = System.getProperty(BACKEND_PROPERTY);
        String source = "-D" + BACKEND_PROPERTY;
        if (value == null || value.isBlank()) {
            value = System.getenv(BACKEND_ENV);
            source = BACKEND_ENV;
        }
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("auto")) {
            return null;
        }
        try {
            return BackendKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " must be cpu, cuda or auto, got '"
                    + value.trim().toLowerCase(Locale.ROOT) + "'");
        }
    }

    /** Which backend runs, and why it was chosen. */
    public BackendChoice choice() { return choice; }

    public BackendKind backend() { return choice.kind(); }

    /** The backend itself, for backend-specific entry points (such as device tensors on CUDA). */
    public AttentionBackend backendEngine() { return backend; }

    /**
     * Computes attention; see {@link AttentionBackend#attend}.
     *
     * @return the output, (batch, queryLen, valueDim) row-major
     */
    public float[] attend(AttentionConfig config, AttentionInputs inputs) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        return backend.attend(config, inputs);
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return "AttentionEngine[" + choice + "]";
    }
}
