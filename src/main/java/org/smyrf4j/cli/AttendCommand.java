package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.io.NpyArrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attend}: reads Q, K, V (and optionally a key mask and the projections) from .npy files,
 * computes attention and writes the output. One summary line goes to stderr: backend and why,
 * shape, mode, time.
 */
@Command(name = "attend", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Computes attention on .npy files and writes the output as float32 .npy.",
            "Q (B, Nq, d), K (B, Nk, d), V (B, Nk, dv) -> out (B, Nq, dv); or, for B = 1,"
                    + " Q (Nq, d), K (Nk, d), V (Nk, dv) -> out (Nq, dv)."})
final class AttendCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = "--q", required = true, paramLabel = "Q.npy", description = "Queries, float32 (B, Nq, d) or (Nq, d).")
    private Path q;

    @Option(names = "--k", required = true, paramLabel = "K.npy", description = "Keys, float32 (B, Nk, d) or (Nk, d).")
    private Path k;

    @Option(names = "--v", required = true, paramLabel = "V.npy", description = "Values, float32 (B, Nk, dv) or (Nk, dv).")
    private Path v;

    @Option(names = "--out", required = true, paramLabel = "O.npy", description = "Output file, float32 (B, Nq, dv) or (Nq, dv).")
    private Path out;

    @Option(names = "--key-valid", paramLabel = "M.npy",
            description = "Key validity mask, uint8 or bool (B, Nk); 0 marks a padded key. With Nq == Nk it masks the"
                    + " matching queries too.")
    private Path keyValid;

    @Mixin
    private AttentionOptions attention;

    @Mixin
    private BackendOption backend;

    @Override
    public Integer call() {
        attention.validate();
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out must be a file, got the folder " + out);
        }
        // The engine first: the CPU engine compiles its kernels on a thread of its own while
        // the inputs load, which takes a second off a cold JVM's single call.
        try (AttentionEngine engine = backend.open()) {
            long readStart = System.nanoTime();
            AttendTensors tensors = AttendTensors.of(
                    NpyArrays.readFloat("--q", q),
                    NpyArrays.readFloat("--k", k),
                    NpyArrays.readFloat("--v", v),
                    keyValid == null ? null : NpyArrays.readMask("--key-valid", keyValid));
            AttentionShape shape = tensors.shape();
            AttentionConfig config = attention.config(shape.dim(), "dim " + shape.dim() + " of --q");
            AttentionOptions.Resolved resolved = AttentionOptions.resolve(config, shape.queryLen(), shape.keyLen());

            long start = System.nanoTime();
            float[] output = engine.attend(config, tensors.inputs());
            long end = System.nanoTime();
            NpyArrays.writeFloat(out, output, tensors.outputShape());
            long written = System.nanoTime();
            PrintWriter err = spec.commandLine().getErr();
            err.println(String.format(Locale.ROOT, "attend: %s; B=%d Nq=%d Nk=%d d=%d dv=%d; %s%s; %.1f ms"
                            + " (reading inputs %.0f ms, writing output %.0f ms)",
                    engine.choice(), shape.batch(), shape.queryLen(), shape.keyLen(), shape.dim(), shape.valueDim(),
                    resolved.text(), resolved.kernelText(engine, shape.dim(), shape.valueDim()), (end - start) / 1e6,
                    (start - readStart) / 1e6, (written - end) / 1e6));
            err.flush();
        }
        return Main.EXIT_OK;
    }
}
