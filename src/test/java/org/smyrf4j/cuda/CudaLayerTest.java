package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.Mode;
import org.smyrf4j.cpu.CpuEngine;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.layer.LayerFixtures;
import org.smyrf4j.layer.LayerInputs;
import org.smyrf4j.layer.MultiHeadAttention;

/**
 * The CUDA layer against the CPU layer (CpuGemm and the CPU engine) on a GPU, with each GEMM:
 * the kernel pack's, cuBLAS in float32 and cuBLAS on TF32 tensor cores (those two skip with the
 * reason where cuBLAS does not run). Prints which GEMM ran. Errors are relative to
 * |y| + rms(y) ({@link LayerFixtures#maxRelativeError}).
 */
@Tag("gpu")
class CudaLayerTest {

    /**
     * Float32 GEMMs (the bar): the kernel pack's GEMM gives the CPU GEMM's bits and
     * cuBLAS sums in its own order (rounding near 1e-6); the attention adds its float32
     * summation order.
     */
    static final double FP32_TOLERANCE = 1e-4;
    /**
     * TF32, as the normwise error ||y - y_cpu|| / ||y_cpu||: each product's inputs keep 10
     * mantissa bits, through two GEMMs in series. The 1e-3 holds where the conversion
     * rounds to nearest (the CPU with that emulated gives 2.5e-4 to 3.1e-4 on these cases), but
     * tensor cores may truncate instead, which is biased and does not average out: emulated, 9.6e-4
     * to 1.12e-3 here. The bar covers truncation with about 2x headroom; the printed error says
     * which the card does.
     */
    static final double TF32_TOLERANCE = 2.5e-3;
    /**
     * TF32, element by element (relative to |y| + rms(y)): the tails over 10^5 elements reach 3 to
     * 4 times the normwise error (emulated: 1.1e-3 rounding, 3.3e-3 truncating), so elements get
     * 1e-2; an indexing or masking error moves them by O(1).
     */
    static final double TF32_ELEMENT_TOLERANCE = 1e-2;

    private static final int MODEL_DIM = 192;
    private static final int HEADS = 3;

    private static CudaEngine gpu;
    private static CpuEngine cpu;
    private static CpuGemm cpuGemm;

    /** The GEMMs a layer can run on. */
    enum Variant {
        KERNELS(GemmSettings.Request.KERNELS, false, FP32_TOLERANCE, FP32_TOLERANCE),
        CUBLAS_FP32(GemmSettings.Request.CUBLAS, false, FP32_TOLERANCE, FP32_TOLERANCE),
        CUBLAS_TF32(GemmSettings.Request.CUBLAS, true, TF32_ELEMENT_TOLERANCE, TF32_TOLERANCE);

        final GemmSettings settings;
        /** Largest element error, relative to |y| + rms(y). */
        final double elementTolerance;
        /** Largest normwise error ||y - y_cpu|| / ||y_cpu||. */
        final double normTolerance;

        Variant(GemmSettings.Request request, boolean tf32, double elementTolerance, double normTolerance) {
            this.settings = new GemmSettings(request, tf32);
            this.elementTolerance = elementTolerance;
            this.normTolerance = normTolerance;
        }
    }

    /** One comparison: inputs, attention, the rows that count (null: all). */
    private record Case(String name, LayerInputs inputs, AttentionConfig config, boolean[] rowsCounted) {
    }

    @BeforeAll
    static void open() {
        CudaProbe.Result probe = CudaProbe.probe();
        if (probe.usable()) {
            gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED);
            cpu = new CpuEngine();
            cpuGemm = new CpuGemm();
            System.out.println("CudaLayerTest on " + gpu.description() + "; gemm auto: "
                    + gpu.layerGemm(GemmSettings.DEFAULT));
        } else {
            System.out.println("CudaLayerTest skipped: CUDA unusable here: " + probe.reason());
        }
    }

    @BeforeEach
    void requireGpu() {
        GpuTestSupport.requireUsableGpu();
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
        if (cpu != null) {
            cpu.close();
        }
        if (cpuGemm != null) {
            cpuGemm.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Variant.class)
    void layerEqualsTheCpuLayer(Variant variant) {
        AttentionWeights w = LayerFixtures.weights(41, MODEL_DIM, true);
        boolean[] padding = LayerFixtures.padding(200, 37, 0);
        AttentionConfig dense = AttentionConfig.builder().mode(Mode.DENSE).build();
        // One cluster holds every key: SMYRF equals dense whatever the hashes, so cuBLAS's
        // rounding of Q and K cannot move a token to another cluster.
        AttentionConfig oneCluster = AttentionConfig.builder().hashes(2).clusterSize(200).seed(5).build();
        List<Case> cases = List.of(
                new Case("dense self-attention, padded", selfAttention(padding), dense, padding),
                new Case("dense cross-attention, key mask", crossAttention(), dense, null),
                new Case("smyrf one cluster, padded", selfAttention(padding), oneCluster, padding));
        try (CudaLayer layer = open(w, variant);
                MultiHeadAttention host = new MultiHeadAttention(w, HEADS, cpuGemm)) {
            assertEquals(variant.settings.tf32(), layer.gemm().tf32(), layer.gemm().description());
            for (Case c : cases) {
                compare(variant.toString(), layer, host, c, variant.elementTolerance, variant.normTolerance);
            }
        }
    }

    /**
     * With the kernel pack's GEMM the projections are the CPU layer's bits, so SMYRF's hashes
     * and clusters are the same too: several clusters agree as closely as dense.
     */
    @Test
    void smyrfWithSeveralClustersOnTheKernelGemm() {
        AttentionWeights w = LayerFixtures.weights(42, MODEL_DIM, true);
        AttentionConfig smyrf = AttentionConfig.builder().hashes(4).clusterSize(32).seed(6).build();
        try (CudaLayer layer = open(w, Variant.KERNELS);
                MultiHeadAttention host = new MultiHeadAttention(w, HEADS, cpuGemm)) {
            compare("KERNELS", layer, host, new Case("smyrf, 7 clusters", selfAttention(null), smyrf, null),
                    FP32_TOLERANCE, FP32_TOLERANCE);
        }
    }

    /** The layer's GEMM, skipping with the reason when cuBLAS is asked for and does not run. */
    private static CudaLayer open(AttentionWeights w, Variant variant) {
        try {
            return gpu.openLayer(w, HEADS, variant.settings);
        } catch (IllegalStateException e) {
            Assumptions.assumeTrue(variant.settings.request() != GemmSettings.Request.CUBLAS, e.getMessage());
            throw e;
        }
    }

    private static LayerInputs selfAttention(boolean[] padding) {
        LayerInputs in = LayerInputs.selfAttention(LayerFixtures.gaussian(43, 2 * 200 * MODEL_DIM), 2, 200, MODEL_DIM);
        return padding == null ? in : in.withKeyValid(padding);
    }

    private static LayerInputs crossAttention() {
        return LayerInputs.crossAttention(LayerFixtures.gaussian(44, 2 * 77 * MODEL_DIM), 2, 77,
                LayerFixtures.gaussian(45, 2 * 150 * MODEL_DIM), 150, MODEL_DIM)
                .withKeyValid(LayerFixtures.padding(150, 0, 61));
    }

    /**
     * Asserts the CUDA layer within the tolerances of the CPU layer, element by element and
     * normwise, over the counted rows; prints the GEMM that ran and both errors.
     */
    private static void compare(String variant, CudaLayer layer, MultiHeadAttention host, Case c,
            double elementTolerance, double normTolerance) {
        float[] got = layer.forward(c.config(), c.inputs());
        double[] want = LayerFixtures.toDouble(host.forward(cpu, c.config(), c.inputs()));
        GpuTestSupport.assertNoNaN(c.name(), got);
        double error = LayerFixtures.maxRelativeError(got, want, c.rowsCounted(), MODEL_DIM);
        double norm = normwiseError(got, want, c.rowsCounted());
        System.out.printf(Locale.ROOT, "CudaLayerTest %s: gemm %s: %s: max element error %.2e (tolerance %.0e),"
                + " normwise %.2e (tolerance %.0e)%n", variant, layer.gemmDescription(), c.name(), error,
                elementTolerance, norm, normTolerance);
        int bad = LayerFixtures.firstMismatch(got, want, c.rowsCounted(), MODEL_DIM, elementTolerance);
        assertTrue(bad < 0, () -> c.name() + " with " + layer.gemmDescription() + ": first mismatch at " + bad
                + " (row " + bad / MODEL_DIM + ", column " + bad % MODEL_DIM + "): cpu " + want[bad] + ", cuda "
                + got[bad] + "; max relative error " + error + " > " + elementTolerance);
        assertTrue(norm <= normTolerance, () -> c.name() + " with " + layer.gemmDescription() + ": normwise error "
                + norm + " > " + normTolerance);
    }

    /** ||got - want|| / ||want|| over the counted rows. */
    private static double normwiseError(float[] got, double[] want, boolean[] rowsCounted) {
        double difference = 0;
        double reference = 0;
        for (int i = 0; i < want.length; i++) {
            if (rowsCounted == null || rowsCounted[i / MODEL_DIM]) {
                difference += (got[i] - want[i]) * (got[i] - want[i]);
                reference += want[i] * want[i];
            }
        }
        return Math.sqrt(difference / reference);
    }
}
