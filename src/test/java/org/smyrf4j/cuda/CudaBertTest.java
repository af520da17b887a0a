package org.smyrf4j.cuda;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6 on a GPU: a BERT-shaped encoder with random weights (BERT-base's own weights do not
 * reach the GPU machine) encoded on the CUDA engine and on the CPU engine, dense and SMYRF (2
 * rounds, clusters of 32; plain, [CLS]/[SEP] as global keys, global keys with union softmax, and
 * those with a local window of 4), the final hidden states compared as {@link BertParity}
 * states: with the kernel pack's GEMM
 * (the projections are the CPU's bits) and with the GEMM the engine picks itself (cuBLAS in
 * float32 where it runs). Prints which GEMM ran and every mode's numbers.
 */
@Tag("gpu")
class CudaBertTest {

    /**
     * BERT-base's head dimension (64) on a quarter of its width, 2 layers, 3 sequences of 256
     * tokens of which 256, 197 and 130 are real: every SMYRF path (8 clusters, padding, a
     * global [SEP] at a different position per sequence) in a few seconds.
     */
    static final BertParity.Sizes SIZES = new BertParity.Sizes(256, 4, 2, 256, new int[] {256, 197, 130}, 32, 100);

    @TempDir
    static Path dir;

    private static CudaEngine gpu;
    private static BertParity bert;

    @BeforeAll
    static void open() throws IOException {
        CudaProbe.Result probe = CudaProbe.probe();
        if (probe.usable()) {
            gpu = CudaEngine.open(probe, CudaEngine.Options.CHECKED);
            bert = BertParity.open(dir, SIZES, 0);
        } else {
            System.out.println("CudaBertTest skipped: CUDA unusable here: " + probe.reason());
        }
    }

    @BeforeEach
    void requireGpu() {
        GpuTestSupport.requireUsableGpu();
    }

    @AfterAll
    static void close() {
        if (bert != null) {
            bert.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    /** The kernel pack's GEMM: dense and SMYRF in layer 0 to 1e-4, SMYRF everywhere up to cluster flips. */
    @Test
    void encoderOnTheKernelGemmMatchesTheCpu() {
        bert.check("CudaBertTest kernels", new FixedGemmBackend(gpu,
                GemmSettings.DEFAULT.withRequest(GemmSettings.Request.KERNELS)), BertParity.Runs.ALL, System.out);
    }

    /** The engine's own choice (cuBLAS float32 where it runs): dense to 1e-4, SMYRF by the mean cosine. */
    @Test
    void encoderOnTheAutomaticGemmMatchesTheCpu() {
        bert.check("CudaBertTest auto", new FixedGemmBackend(gpu, GemmSettings.DEFAULT), BertParity.Runs.ALL,
                System.out);
    }
}
