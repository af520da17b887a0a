package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.Mode;

/** Dense attention against a float64 evaluation, on odd sizes that cross key tiles. */
class DenseAttentionTest {

    /**
     * Float32 against float64 for |q|, |k|, |v| <= 1 and logits of magnitude up to about
     * scale * d / 3: logit rounding (d terms) plus sums over up to 700 keys stay below this.
     */
    private static final double DENSE_TOLERANCE = 1e-5;

    private static CpuEngine engine;

    @BeforeAll
    static void open() {
        engine = new CpuEngine();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @ParameterizedTest(name = "B={0} Nq={1} Nk={2} d={3} dv={4} masked={5} scale={6}")
    @CsvSource({
        "1, 1, 1, 1, 1, 0, 1",
        "2, 97, 300, 59, 37, 0, 0.13",
        "3, 64, 700, 16, 64, 0.3, 0.25",
        "2, 130, 130, 33, 17, 0.5, 1",
        "1, 5, 513, 8, 3, 0.9, 2",
        "2, 40, 257, 64, 64, 0, 0.125",
    })
    void matchesFloat64(int batch, int nq, int nk, int d, int dv, double masked, float scale) {
        AttentionInputs in = RandomInputs.of(1000L * nq + nk, new AttentionShape(batch, nq, nk, d, dv), masked);
        AttentionConfig config = AttentionConfig.builder().mode(Mode.DENSE).scale(scale).build();
        float[] out = engine.attend(config, in);
        double[] expected = reference(in, scale);
        for (int i = 0; i < out.length; i++) {
            if (!(Math.abs(out[i] - expected[i]) <= DENSE_TOLERANCE)) {
                fail("dense output index " + i + ": " + out[i] + ", float64 " + expected[i]);
            }
        }
    }

    @ParameterizedTest(name = "Nq={0} Nk={1}")
    @CsvSource({"7, 7", "10, 300"})
    void rowWithoutValidKeysGivesZero(int nq, int nk) {
        AttentionShape shape = new AttentionShape(2, nq, nk, 4, 3);
        AttentionInputs random = RandomInputs.of(5, shape, 0);
        boolean[] mask = new boolean[2 * nk];
        for (int j = 0; j < nk; j++) {
            mask[nk + j] = true; // row 0 all masked, row 1 all valid
        }
        AttentionInputs in = AttentionInputs.of(shape, random.q(), random.k(), random.v(), mask);
        float[] out = engine.attend(AttentionConfig.builder().mode(Mode.DENSE).build(), in);
        for (int i = 0; i < nq * 3; i++) {
            assertEquals(0f, out[i], "row 0 output index " + i);
        }
    }

    /** Exact attention in float64, masked keys excluded, 0 for a row without valid keys. */
    static double[] reference(AttentionInputs in, double scale) {
        AttentionShape s = in.shape();
        int nq = s.queryLen();
        int nk = s.keyLen();
        int d = s.dim();
        int dv = s.valueDim();
        double[] out = new double[s.outputElements()];
        double[] logits = new double[nk];
        for (int b = 0; b < s.batch(); b++) {
            for (int i = 0; i < nq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < nk; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        dot += (double) in.q()[(b * nq + i) * d + c] * in.k()[(b * nk + j) * d + c];
                    }
                    logits[j] = in.isKeyValid(b, j) ? scale * dot : Double.NEGATIVE_INFINITY;
                    max = Math.max(max, logits[j]);
                }
                if (max == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                double sum = 0;
                int o = (b * nq + i) * dv;
                for (int j = 0; j < nk; j++) {
                    double p = Math.exp(logits[j] - max);
                    sum += p;
                    for (int c = 0; c < dv; c++) {
                        out[o + c] += p * in.v()[(b * nk + j) * dv + c];
                    }
                }
                for (int c = 0; c < dv; c++) {
                    out[o + c] /= sum;
                }
            }
        }
        return out;
    }
}
