package org.smyrf4j.cuda;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.Mode;
import org.smyrf4j.cli.Main;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.layer.LayerFixtures;
import org.smyrf4j.layer.LayerInputs;
import org.smyrf4j.layer.MultiHeadAttention;
import org.smyrf4j.weights.NamingPreset;
import org.smyrf4j.weights.WeightFiles;

/**
 * The CUDA layer end to end on whatever libcuda.so.1 the process finds, meant for the stand-in
 * of {@code make fakecuda} (FakeCudaLayerTest runs it in a child JVM with that library on
 * LD_LIBRARY_PATH and {@code -Dsmyrf4j.gemm=kernels}): the kernel pack's GEMM, checked mode, small
 * shapes, each against the CPU layer (CpuGemm and the CPU engine). Also the hand-off from
 * {@link MultiHeadAttention}, the {@code layer} and {@code info} commands, and the cuBLAS choice.
 * Exits 0 when everything agrees, 3 when CUDA is unusable (with the reason), else throws.
 */
final class FakeLayerSmoke {

    /**
     * CUDA layer vs CPU layer, relative to |y| + rms(y) (LayerFixtures): the kernel GEMM gives the
     * CPU GEMM's bits, so only the attention's float32 summation order differs (about 1e-6); the
     * issue's bar is 1e-4.
     */
    static final double TOLERANCE = 1e-4;

    private static final int MODEL_DIM = 24;
    private static final int HEADS = 3;

    private FakeLayerSmoke() {
    }

    public static void main(String[] args) throws Exception {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.usable()) {
            System.out.println("CUDA unusable: " + probe.reason());
            System.exit(3);
        }
        AttentionWeights w = LayerFixtures.weights(31, MODEL_DIM, true);
        GemmSettings kernels = GemmSettings.DEFAULT.withRequest(GemmSettings.Request.KERNELS);
        try (CudaEngine gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED);
                CpuEngine cpu = new CpuEngine();
                CpuGemm cpuGemm = new CpuGemm(2);
                MultiHeadAttention host = new MultiHeadAttention(w, HEADS, cpuGemm)) {
            AttentionConfig dense = AttentionConfig.builder().mode(Mode.DENSE).build();
            AttentionConfig smyrf = AttentionConfig.builder().hashes(2).clusterSize(8).seed(3).build();
            AttentionConfig smyrfCross = AttentionConfig.builder().hashes(2).queryClusterSize(5).seed(4).build();
            AttentionConfig auto = AttentionConfig.builder().mode(Mode.AUTO).hashes(2).clusterSize(8).build();
            // Self-attention with padding: the padded tokens' rows are not meaningful, so not compared.
            boolean[] padding = LayerFixtures.padding(19, 4, 0);
            LayerInputs self = LayerInputs.selfAttention(LayerFixtures.gaussian(32, 2 * 19 * MODEL_DIM), 2, 19,
                    MODEL_DIM).withKeyValid(padding);
            // Cross-attention, 19 queries on 23 memory tokens; batch row 2 has every key padded.
            LayerInputs cross = LayerInputs.crossAttention(LayerFixtures.gaussian(33, 3 * 19 * MODEL_DIM), 3, 19,
                    LayerFixtures.gaussian(34, 3 * 23 * MODEL_DIM), 23, MODEL_DIM)
                    .withKeyValid(LayerFixtures.padding(23, 0, 7, 23));
            LayerInputs longer = LayerInputs.selfAttention(LayerFixtures.gaussian(35, 40 * MODEL_DIM), 1, 40, MODEL_DIM);

            float[] selfDense;
            try (CudaLayer layer = gpu.openLayer(w, HEADS, kernels)) {
                System.out.println("layer: " + layer);
                require(layer.gemm().path() == GemmChoice.Path.KERNELS, "kernel GEMM forced: " + layer.gemm());
                selfDense = compare("dense self-attention, padded", layer, host, cpu, dense, self, padding);
                compare("dense cross-attention, key mask", layer, host, cpu, dense, cross, null);
                compare("smyrf self-attention, 5 clusters", layer, host, cpu, smyrf, longer, null);
                compare("smyrf cross-attention, key mask", layer, host, cpu, smyrfCross, cross, null);
                compare("auto self-attention", layer, host, cpu, auto, self, padding);
                // The largest shape has run: a repeat reuses the workspace and gives the same bits.
                long allocations = gpu.memoryStats().allocations();
                float[] again = layer.forward(dense, self);
                require(java.util.Arrays.equals(selfDense, again), "a repeated call gives the same bits");
                require(gpu.memoryStats().allocations() == allocations,
                        "a repeated call allocates nothing: " + gpu.memoryStats());
                for (int c = 0; c < MODEL_DIM; c++) {
                    float y = layer.forward(dense, cross)[(2 * 19) * MODEL_DIM + c];
                    require(y == w.output().bias()[c], "a row without keys gives the output bias, column " + c);
                }
                // Bad input is refused before any work and leaves the layer usable.
                AttentionConfig wrongWidth = AttentionConfig.builder().projections(new float[(MODEL_DIM + 2) * 2], 2)
                        .clusterSize(4).build();
                try {
                    layer.forward(wrongWidth, self);
                    throw new AssertionError("projections for dmodel instead of dh were accepted");
                } catch (IllegalArgumentException expected) {
                    require(expected.getMessage().contains("dim=8"), expected.getMessage());
                }
                require(java.util.Arrays.equals(selfDense, layer.forward(dense, self)), "usable after bad input");
                System.out.println("workspace: " + layer.workspaceBytes() + " bytes; " + gpu.memoryStats());
            }
            requireOnlyEngineWorkspace(gpu, "closing the layer frees its buffers");

            // MultiHeadAttention hands its forward pass to the engine (the JVM runs with -Dsmyrf4j.gemm=kernels).
            try (MultiHeadAttention api = new MultiHeadAttention(w, HEADS, cpuGemm)) {
                require(java.util.Arrays.equals(selfDense, api.forward(gpu, dense, self)),
                        "MultiHeadAttention on the CUDA engine runs the CUDA layer");
                require(api.gemmDescription(gpu).equals("kernel pack (requested)"), api.gemmDescription(gpu));
            }
            requireOnlyEngineWorkspace(gpu, "closing MultiHeadAttention frees its device side");

            closingTheEngineFirst(probe, w, self);
            cublasChoices(gpu, w);
            layerCommand(w, self, selfDense);
        }
        System.out.println("fake layer smoke: OK");
    }

    /** A layer outlives its engine: the engine's close freed it, its own close does nothing, calls fail. */
    private static void closingTheEngineFirst(CudaProbe.Result probe, AttentionWeights w, LayerInputs self) {
        CudaEngine other = CudaEngine.open(probe);
        CudaLayer layer = other.openLayer(w, HEADS, GemmSettings.DEFAULT.withRequest(GemmSettings.Request.KERNELS));
        layer.forward(AttentionConfig.builder().mode(Mode.DENSE).build(), self);
        other.close();
        layer.close();
        require(layer.isClosed(), "closed");
        try {
            layer.forward(AttentionConfig.builder().mode(Mode.DENSE).build(), self);
            throw new AssertionError("a closed layer ran");
        } catch (IllegalStateException expected) {
            require(expected.getMessage().contains("closed"), expected.getMessage());
        }
    }

    /** Where cuBLAS does not load: auto falls back with the reason, a forced cuBLAS is refused with it. */
    private static void cublasChoices(CudaEngine gpu, AttentionWeights w) {
        String problem = CublasLibrary.loadProblem();
        if (problem == null) {
            // cuBLAS would run against the stand-in driver, which it cannot: nothing to check here.
            System.out.println("cuBLAS loads here; its choices are checked on a GPU (CudaLayerTest)");
            return;
        }
        GemmChoice auto = gpu.layerGemm(GemmSettings.DEFAULT);
        require(auto.path() == GemmChoice.Path.KERNELS
                && auto.description().equals("kernel pack (libcublas.so.12 not loadable: " + problem + ")"),
                "auto falls back with the reason: " + auto);
        try (CudaLayer layer = gpu.openLayer(w, HEADS, GemmSettings.DEFAULT.withRequest(GemmSettings.Request.CUBLAS))) {
            throw new AssertionError("a forced cuBLAS opened without cuBLAS: " + layer);
        } catch (IllegalStateException expected) {
            require(expected.getMessage().contains("cuBLAS GEMM requested but unavailable: libcublas.so.12 not loadable"),
                    expected.getMessage());
        }
        System.out.println("gemm auto: " + auto);
    }

    /** {@code layer --backend cuda} on a folder of .npy weights equals the CUDA layer; {@code info} names the GEMM. */
    private static void layerCommand(AttentionWeights w, LayerInputs self, float[] want) throws Exception {
        Path dir = Files.createTempDirectory("fake-layer-smoke");
        Path weights = Files.createDirectory(dir.resolve("weights"));
        WeightFiles.npyFolder(weights, w, NamingPreset.QKVO.names(""));
        Path x = dir.resolve("x.npy");
        NpyArrays.writeFloat(x, self.x(), self.batch(), self.queryLen(), MODEL_DIM);
        Path mask = dir.resolve("mask.npy");
        byte[] bytes = new byte[self.keyValid().length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (self.keyValid()[i] ? 1 : 0);
        }
        org.jetbrains.bio.npy.NpyFile.write(mask, bytes, new int[] {self.batch(), self.queryLen()});
        Path y = dir.resolve("y.npy");
        String err = cli("layer", "--weights", weights.toString(), "--x", x.toString(), "--key-valid", mask.toString(),
                "--heads", Integer.toString(HEADS), "--mode", "dense", "--backend", "cuda", "--gemm", "kernels",
                "--out", y.toString());
        require(err.contains("layer: cuda") && err.contains("gemm kernel pack (requested)"), err);
        require(java.util.Arrays.equals(want, NpyArrays.readFloat("y", y).data()), "layer --backend cuda gives the"
                + " CUDA layer's y");
        String info = cli("info");
        require(info.lines().anyMatch(l -> l.startsWith("gemm:") && l.contains("kernel pack (")), info);
        System.out.println("layer command: " + err.strip());
    }

    /** Runs the command line in this JVM; returns stdout and stderr, failing on a non-zero exit. */
    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        require(code == Main.EXIT_OK, String.join(" ", args) + " exited with " + code + ":\n" + out + err);
        return out + err.toString();
    }

    /**
     * The CUDA layer against the CPU layer; rows with {@code rowValid} false are left out.
     *
     * @return the CUDA layer's y
     */
    private static float[] compare(String label, CudaLayer layer, MultiHeadAttention host, CpuEngine cpu,
            AttentionConfig config, LayerInputs inputs, boolean[] rowValid) {
        float[] got = layer.forward(config, inputs);
        double[] want = LayerFixtures.toDouble(host.forward(cpu, config, inputs));
        int bad = LayerFixtures.firstMismatch(got, want, rowValid, MODEL_DIM, TOLERANCE);
        double error = LayerFixtures.maxRelativeError(got, want, rowValid, MODEL_DIM);
        if (bad >= 0) {
            throw new AssertionError(label + ": first mismatch at " + bad + " (row " + bad / MODEL_DIM + "): cpu "
                    + want[bad] + ", cuda " + got[bad] + "; max relative error " + error + " > " + TOLERANCE);
        }
        System.out.printf(java.util.Locale.ROOT, "%-36s max relative error %.2e%n", label + ":", error);
        return got;
    }

    /** Nothing left on the device but the engine's own attention workspace. */
    private static void requireOnlyEngineWorkspace(CudaEngine gpu, String what) {
        DeviceMemoryStats stats = gpu.memoryStats();
        require(stats.liveBytes() == stats.workspaceBytes(), what + ": " + stats);
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
