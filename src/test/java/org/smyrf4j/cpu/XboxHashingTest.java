package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Steps 1-3 as docs/kernels.md "Exact hashing" writes them. */
class XboxHashingTest {

    @Test
    void squaredNormIsAnFmaChainInAscendingOrder() {
        float[] x = {1e8f, 1f, -1e8f, 3f};
        float expected = Math.fma(3f, 3f, Math.fma(-1e8f, -1e8f, Math.fma(1f, 1f, Math.fma(1e8f, 1e8f, 0f))));
        assertEquals(expected, XboxHashing.squaredNorm(x, 0, 4));
        assertEquals(Math.fma(3f, 3f, Math.fma(-1e8f, -1e8f, 0f)), XboxHashing.squaredNorm(x, 2, 2));
    }

    @Test
    void interleavedTokensGiveEachTokensOwnBits() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(43);
        int checked = 0;
        for (int hashes = 1; hashes <= 9; hashes++) {
            int dim = 1 + random.nextInt(70);
            int tokens = 1 + random.nextInt(11); // odd and even counts: the one-token remainders too
            float[] x = RandomInputs.uniform(random, (tokens + 1) * dim, 3f);
            float[] a = RandomInputs.uniform(random, (dim + 2) * hashes, 1f);
            float[] norms = new float[tokens + 1];
            XboxHashing.squaredNorms(x, 1, tokens, dim, norms);
            for (int t = 1; t <= tokens; t++) {
                assertEquals(Float.floatToRawIntBits(XboxHashing.squaredNorm(x, t * dim, dim)),
                        Float.floatToRawIntBits(norms[t]), "norm of token " + t + " of " + tokens);
                checked++;
            }
            float[] pair = new float[2 * hashes];
            float[] single = new float[hashes];
            XboxHashing.projectPair(x, 0, dim, 1.25f, 0.5f, dim, a, hashes, pair);
            for (int side = 0; side < 2; side++) {
                XboxHashing.project(x, side * dim, dim, side == 0 ? 1.25f : 0.5f, dim, a, hashes, single);
                for (int r = 0; r < hashes; r++) {
                    assertEquals(Float.floatToRawIntBits(single[r]), Float.floatToRawIntBits(pair[side * hashes + r]),
                            "H=" + hashes + " token " + side + " round " + r);
                    checked++;
                }
            }
        }
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void extensionClampsAtZeroAndMapsNaNToZero() {
        assertEquals(0f, XboxHashing.extension(1f, 2f));
        assertEquals(0f, XboxHashing.extension(Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY));
        assertEquals(2f, XboxHashing.extension(13f, 9f));
        assertEquals((float) Math.sqrt(2.0), XboxHashing.extension(2f, 0f));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(XboxHashing.extension(5f, 5f)));
    }

    @Test
    void queryAndKeyHashesUseTheirOwnExtensionRows() {
        // d = 2, H = 2: A rows 0..3, row d = 2 meets the key extension, row d+1 = 3 the query's.
        float[] a = {
            1f, -1f,
            2f, 0.5f,
            10f, 100f,
            -3f, 7f,
        };
        float[] q = {1f, 2f, 0f, 1f}; // two queries: |q|^2 = 5 and 1
        float[] k = {0f, 1f};         // one key: |k|^2 = 1
        try (WorkerPool pool = new WorkerPool(2)) {
            float[][] h = XboxHashing.hash(pool, 1, 2, 2, a, new XboxHashing.Side(q, 2, 3),
                    new XboxHashing.Side(k, 1, 2));
            // MQ2 + MK2 = 5 + 1 = 6; ext(q0) = 1, ext(q1) = sqrt(5), ext(k0) = sqrt(5)
            float e5 = (float) Math.sqrt(5.0);
            float[] expectedQ = {
                Math.fma(1f, -3f, Math.fma(2f, 2f, Math.fma(1f, 1f, 0f))),            // round 0, query 0
                Math.fma(e5, -3f, Math.fma(1f, 2f, Math.fma(0f, 1f, 0f))),            // round 0, query 1
                Math.fma(1f, 7f, Math.fma(2f, 0.5f, Math.fma(1f, -1f, 0f))),          // round 1, query 0
                Math.fma(e5, 7f, Math.fma(1f, 0.5f, Math.fma(0f, -1f, 0f))),          // round 1, query 1
            };
            float[] expectedK = {
                Math.fma(e5, 10f, Math.fma(1f, 2f, Math.fma(0f, 1f, 0f))),
                Math.fma(e5, 100f, Math.fma(1f, 0.5f, Math.fma(0f, -1f, 0f))),
            };
            for (int i = 0; i < 4; i++) {
                assertEquals(expectedQ[i], h[0][i], "query hash " + i);
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(expectedK[i], h[1][i], "key hash " + i);
            }
        }
    }

    @Test
    void everyRoundCountKeepsTheSequentialOrderPerRound() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(41);
        for (int hashes = 1; hashes <= 9; hashes++) {
            int dim = 1 + random.nextInt(40);
            float[] x = RandomInputs.uniform(random, dim, 3f);
            float[] a = RandomInputs.uniform(random, (dim + 2) * hashes, 1f);
            float ext = 1.7f;
            float[] h = new float[hashes];
            XboxHashing.project(x, 0, dim, ext, dim + 1, a, hashes, h);
            for (int r = 0; r < hashes; r++) {
                float expected = 0f;
                for (int c = 0; c < dim; c++) {
                    expected = Math.fma(x[c], a[c * hashes + r], expected);
                }
                expected = Math.fma(ext, a[(dim + 1) * hashes + r], expected) + 0f;
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(h[r]),
                        "H=" + hashes + " round " + r + ": expected " + expected + ", got " + h[r]);
            }
        }
    }
}
