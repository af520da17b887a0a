package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.cuda.CudaEngine;
import org.smyrf4j.cuda.CudaProbe;
import org.smyrf4j.cuda.GemmSettings;
import org.smyrf4j.cuda.TensorCores;
import org.smyrf4j.layer.CpuGemm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code info}: which backend runs here and why, what the CUDA probe found, which GEMM a layer's
 * projections would run on, which kernel SMYRF's cluster attention runs on (CUDA or tensor
 * cores, {@code -Dsmyrf4j.cuda.tensorCores}), and the Java side (version, cores, Vector API). Always exits 0: it reports problems, it does not fail on them.
 */
@Command(name = "info", usageHelpAutoWidth = true,
        description = "Says which backend runs here and why, the GPU and kernel pack found, and the Java runtime.")
final class InfoCommand implements Callable<Integer> {

    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String NONE = "-";

    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        CudaProbe.Result probe = CudaProbe.probe();
        String[] engine = engineRows();
        row(out, "backend", engine[0]);
        row(out, "cuda", (probe.usable() ? "usable: " : "not usable: ") + probe.reason());
        row(out, "device", orNone(probe.deviceName()));
        row(out, "compute capability", orNone(probe.computeCapability()));
        row(out, "driver (cuda version)", orNone(probe.driverVersion()));
        row(out, "kernel pack", orNone(probe.kernelPack()));
        row(out, "cuBLAS", orNone(probe.cublas()));
        row(out, "gemm", engine[1]);
        row(out, "attention kernel", engine[2]);
        row(out, "java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")");
        Runtime runtime = Runtime.getRuntime();
        row(out, "cores", Integer.toString(runtime.availableProcessors()));
        row(out, "max heap", String.format(Locale.ROOT, "%.1f GiB", runtime.maxMemory() / (double) (1L << 30)));
        row(out, "Vector API", vectorApi());
        out.flush();
        return Main.EXIT_OK;
    }

    /**
     * The engine's own choice and reason, or why it could not start; the GEMM a layer's
     * projections would run on with it, and why; and the kernel of SMYRF's cluster attention.
     */
    private static String[] engineRows() {
        try (AttentionEngine engine = AttentionEngine.create()) {
            return new String[] {engine.choice().toString(), gemmRow(engine), attentionKernelRow(engine)};
        } catch (RuntimeException e) {
            // Any failure to start (a forced backend, a CudaException such as out of memory on a
            // busy card, a bad tensor-core setting) is a fact to report here, not a reason to lose
            // the other rows.
            return new String[] {"none: " + OneLineErrors.oneLine(e.getMessage(), e), "none: no engine started",
                "none: no engine started"};
        }
    }

    /** On CUDA the plain hash rounds' kernel (CUDA or tensor cores) and why; on the CPU, that the setting is CUDA's. */
    private static String attentionKernelRow(AttentionEngine engine) {
        if (engine.backendEngine() instanceof CudaEngine cuda) {
            return cuda.attentionKernel().description();
        }
        return "CPU engine (-D" + TensorCores.PROPERTY + " applies to the CUDA engine only)";
    }

    /** On CUDA the device layer's choice (cuBLAS or the kernel pack, -Dsmyrf4j.gemm); else the CPU GEMM. */
    private static String gemmRow(AttentionEngine engine) {
        if (engine.backendEngine() instanceof CudaEngine cuda) {
            try {
                return cuda.layerGemm(GemmSettings.fromSystemProperties()).description();
            } catch (RuntimeException e) {
                return "none: " + OneLineErrors.oneLine(e.getMessage(), e);
            }
        }
        try (CpuGemm gemm = new CpuGemm()) {
            return "CPU (" + (gemm.usesVectorApi() ? "Vector API" : "plain Java, no Vector API") + ", "
                    + gemm.threads() + " threads)";
        }
    }

    private static String vectorApi() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return "absent (run java with --add-modules " + VECTOR_MODULE + "; scripts/smyrf4j does)";
        }
        // Touched only when the module is present, so its classes always resolve.
        return "present, " + VectorSpecies.preferredFloatSpecies();
    }

    private static void row(PrintWriter out, String name, String value) {
        out.printf(Locale.ROOT, "%-22s %s%n", name + ":", value);
    }

    private static String orNone(String value) {
        return value == null || value.isBlank() ? NONE : value;
    }
}
