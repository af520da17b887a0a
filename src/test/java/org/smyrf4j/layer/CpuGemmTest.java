package org.smyrf4j.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CpuGemm} against float64 on sizes that exercise every edge of the blocking (rows past
 * a row block and not a multiple of the 6-row tile, depth past a k slice, a partial last panel),
 * with each kernel and several thread counts.
 */
class CpuGemmTest {

    /**
     * Error bound of a float32 fma chain of length n: |error| <= n * 2^-24 * sum_k |x_k w_k|
     * (plus the bias, counted as one more term). Rigorous, so no seed can break it.
     */
    static final double UNIT_ROUNDOFF = 0x1p-24;

    /** (rows, in, out): small and odd; past ROW_BLOCK, KC and a panel; a single row and column. */
    private static final int[][] SIZES = {{37, 45, 29}, {203, 300, 70}, {1, 1, 1}, {7, 129, 33}};

    @Test
    void matchesFloat64WithEveryKernelAndThreadCount() {
        int checked = 0;
        for (GemmKernel kernel : kernels()) {
            for (int threads : new int[] {1, 3}) {
                try (CpuGemm gemm = new CpuGemm(threads, kernel)) {
                    for (int[] s : SIZES) {
                        checkAgainstFloat64(gemm, s[0], s[1], s[2], true);
                        checkAgainstFloat64(gemm, s[0], s[1], s[2], false);
                        checked++;
                    }
                }
            }
        }
        assertEquals(kernels().size() * 2 * SIZES.length, checked);
    }

    @Test
    void kernelsAgreeBitForBit() {
        List<GemmKernel> kernels = kernels();
        for (int[] s : SIZES) {
            float[] x = LayerFixtures.gaussian(s[0], s[0] * s[1]);
            float[] w = LayerFixtures.gaussian(s[1], s[2] * s[1]);
            float[] b = LayerFixtures.gaussian(s[2], s[2]);
            float[] first = null;
            for (GemmKernel kernel : kernels) {
                try (CpuGemm gemm = new CpuGemm(2, kernel)) {
                    float[] y = new float[s[0] * s[2]];
                    gemm.linear(x, s[0], s[1], w, b, y);
                    if (first == null) {
                        first = y;
                    } else {
                        assertBitIdentical(first, y, kernels.get(0).name() + " vs " + kernel.name() + " " + Arrays.toString(s));
                    }
                }
            }
        }
    }

    @Test
    void aRowAloneGivesTheBitsItGetsInsideABatch() {
        int rows = 203;
        int in = 300;
        int out = 70;
        float[] x = LayerFixtures.gaussian(1, rows * in);
        float[] w = LayerFixtures.gaussian(2, out * in);
        float[] b = LayerFixtures.gaussian(3, out);
        try (CpuGemm gemm = new CpuGemm(2)) {
            float[] all = new float[rows * out];
            gemm.linear(x, rows, in, w, b, all);
            for (int r : new int[] {0, 100, 202}) {
                float[] one = new float[out];
                gemm.linear(Arrays.copyOfRange(x, r * in, (r + 1) * in), 1, in, w, b, one);
                assertBitIdentical(Arrays.copyOfRange(all, r * out, (r + 1) * out), one, "row " + r);
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (CpuGemm gemm = new CpuGemm(1)) {
            assertMessage(() -> gemm.linear(new float[5], 2, 3, new float[6], null, new float[4]),
                    "x must hold rows x in = 2 x 3 = 6 values, got 5");
            assertMessage(() -> gemm.linear(new float[6], 2, 3, new float[7], null, new float[4]),
                    "weight must hold out x in values with in = 3, got 7");
            assertMessage(() -> gemm.linear(new float[6], 2, 3, new float[6], new float[3], new float[4]),
                    "bias must hold out = 2 values, got 3");
            assertMessage(() -> gemm.linear(new float[6], 2, 3, new float[6], null, new float[5]),
                    "y must hold rows x out = 2 x 2 = 4 values, got 5");
            assertMessage(() -> gemm.linear(new float[0], 0, 3, new float[6], null, new float[0]),
                    "rows must be > 0, got 0");
        }
        assertMessage(() -> new CpuGemm(0), "threads must be > 0, got 0");
    }

    @Test
    void aClosedGemmRefusesWork() {
        CpuGemm gemm = new CpuGemm(2);
        gemm.close();
        assertThrows(IllegalStateException.class, () -> gemm.linear(new float[1], 1, 1, new float[1], null, new float[1]));
    }

    @Test
    void theVectorKernelRunsWhereTheModuleIsPresent() {
        // Surefire adds jdk.incubator.vector, so the vector kernel must load here.
        try (CpuGemm gemm = new CpuGemm(1)) {
            assertTrue(gemm.usesVectorApi(), gemm::description);
        }
    }

    /** The scalar kernel, and the vector kernel where the module is present. */
    private static List<GemmKernel> kernels() {
        List<GemmKernel> kernels = new ArrayList<>();
        kernels.add(new ScalarGemmKernel());
        GemmKernel vector = GemmKernels.vector();
        if (vector != null) {
            kernels.add(vector);
        }
        return kernels;
    }

    private static void checkAgainstFloat64(CpuGemm gemm, int rows, int in, int out, boolean withBias) {
        float[] x = LayerFixtures.gaussian(rows + 7L * in, rows * in);
        float[] w = LayerFixtures.gaussian(out + 11L * in, out * in);
        float[] b = withBias ? LayerFixtures.gaussian(out, out) : null;
        float[] y = new float[rows * out];
        Arrays.fill(y, Float.NaN); // every element must be written
        gemm.linear(x, rows, in, w, b, y);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < out; c++) {
                double exact = b == null ? 0 : b[c];
                double magnitude = Math.abs(exact);
                for (int k = 0; k < in; k++) {
                    double term = (double) x[r * in + k] * w[c * in + k];
                    exact += term;
                    magnitude += Math.abs(term);
                }
                double bound = (in + 1) * UNIT_ROUNDOFF * magnitude;
                float got = y[r * out + c];
                int row = r;
                int col = c;
                double want = exact;
                assertTrue(Math.abs(got - exact) <= bound, () -> gemm.description() + " (" + rows + ", " + in + ", "
                        + out + ") bias " + withBias + ": first mismatch at (" + row + ", " + col + "): got " + got
                        + ", float64 " + want + ", bound " + bound);
            }
        }
    }

    private static void assertBitIdentical(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ": first difference at index " + i + ": " + want[i] + " vs " + got[i]);
            }
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "want '" + expected + "' in: " + e.getMessage());
    }
}
