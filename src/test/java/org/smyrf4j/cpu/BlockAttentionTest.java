package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The block kernels: the vector kernel gives the scalar kernel's bits, and both agree with a
 * float64 evaluation of the same softmax.
 */
class BlockAttentionTest {

    /** Outputs vs float64 for exact logits: float32 sums over up to 700 keys of |v| <= 1. */
    private static final double OUTPUT_TOLERANCE = 2e-6;
    /** lse vs float64 for exact logits, relative to max(1, |lse|). */
    private static final double LSE_TOLERANCE = 2e-6;
    /**
     * A float32 logit scale * sum_c q_c k_c with |q_c k_c| <= 1 is off by at most
     * d * scale * 2^-24 (twice that as headroom); a logit error e moves each softmax weight by a
     * factor within exp(+-e), so outputs (|v| <= 1) by about 2e and lse by e.
     */
    private static double logitError(Case c) {
        return 2 * c.d * c.scale * 0x1p-24;
    }

    @Test
    void vectorKernelGivesTheScalarKernelsBits() {
        BlockAttention vector = BlockAttentions.vector();
        assumeTrue(vector != null, "jdk.incubator.vector is not in the boot layer");
        BlockAttention scalar = new ScalarBlockAttention();
        SplittableRandom random = new SplittableRandom(21);
        int checked = 0;
        for (int trial = 0; trial < 60; trial++) {
            Case c = Case.random(random);
            BlockScratch a = c.run(vector);
            BlockScratch b = c.run(scalar);
            String what = "trial " + trial + " " + c;
            for (int i = 0; i < c.count; i++) {
                assertEquals(Float.floatToRawIntBits(b.lse[i]), Float.floatToRawIntBits(a.lse[i]),
                        what + ": lse of query " + i + ": scalar " + b.lse[i] + ", vector " + a.lse[i]);
                for (int col = 0; col < c.dv; col++) {
                    int at = i * c.dv + col;
                    if (Float.floatToRawIntBits(a.acc[at]) != Float.floatToRawIntBits(b.acc[at])) {
                        fail(what + ": output (" + i + ", " + col + "): scalar " + b.acc[at] + ", vector " + a.acc[at]);
                    }
                }
            }
            checked++;
        }
        assertEquals(60, checked);
    }

    @Test
    void bothKernelsMatchFloat64() {
        SplittableRandom random = new SplittableRandom(22);
        BlockAttention[] kernels = {new ScalarBlockAttention(), BlockAttentions.best()};
        for (int trial = 0; trial < 30; trial++) {
            Case c = Case.random(random);
            for (BlockAttention kernel : kernels) {
                BlockScratch s = c.run(kernel);
                for (int i = 0; i < c.count; i++) {
                    double[] expected = new double[c.dv];
                    double lse = c.reference(i, expected);
                    String what = kernel.name() + " trial " + trial + " " + c + " query " + i;
                    if (c.keyCount == 0) {
                        assertEquals(Float.NEGATIVE_INFINITY, s.lse[i], what + ": lse without keys");
                    } else {
                        assertTrue(Math.abs(s.lse[i] - lse)
                                <= LSE_TOLERANCE * Math.max(1, Math.abs(lse)) + logitError(c),
                                what + ": lse " + s.lse[i] + ", float64 " + lse);
                    }
                    for (int col = 0; col < c.dv; col++) {
                        float actual = s.acc[i * c.dv + col];
                        if (!(Math.abs(actual - expected[col]) <= OUTPUT_TOLERANCE + 2 * logitError(c))) {
                            fail(what + ", column " + col + ": " + actual + ", float64 " + expected[col]);
                        }
                    }
                }
            }
        }
    }

    /**
     * A bias of -infinity hides a key from one query (LocalWindowAttention's window mask): each
     * kernel gives, for every query, what it gives for that query alone over its visible keys,
     * within rounding (other tile borders); a query that sees no key gets lse = -infinity; the
     * vector kernel gives the scalar kernel's bits.
     */
    @Test
    void minusInfinityBiasHidesKeys() {
        SplittableRandom random = new SplittableRandom(23);
        BlockAttention scalar = new ScalarBlockAttention();
        BlockAttention best = BlockAttentions.best();
        for (int trial = 0; trial < 30; trial++) {
            Case c = Case.random(random);
            // Query i sees a random band of keys, empty for some (whole tiles of -infinity).
            float[] bias = new float[c.count * c.keyCount];
            java.util.Arrays.fill(bias, Float.NEGATIVE_INFINITY);
            int[][] visible = new int[c.count][];
            for (int i = 0; i < c.count; i++) {
                int from = c.keyCount == 0 ? 0 : random.nextInt(c.keyCount);
                int width = random.nextInt(4) == 0 ? 0 : random.nextInt(c.keyCount - from + 1);
                visible[i] = new int[width];
                for (int j = from; j < from + width; j++) {
                    bias[i * c.keyCount + j] = 0f;
                    visible[i][j - from] = c.keyRows[j];
                }
            }
            BlockScratch a = c.run(best, bias);
            BlockScratch b = c.run(scalar, bias);
            for (int i = 0; i < c.count; i++) {
                String what = "trial " + trial + " " + c + " query " + i + " (" + visible[i].length + " keys visible)";
                assertEquals(Float.floatToRawIntBits(b.lse[i]), Float.floatToRawIntBits(a.lse[i]),
                        what + ": lse scalar " + b.lse[i] + ", " + best.name() + " " + a.lse[i]);
                BlockScratch alone = c.alone(scalar, i, visible[i]);
                if (visible[i].length == 0) {
                    assertEquals(Float.NEGATIVE_INFINITY, b.lse[i], what + ": lse without visible keys");
                    continue;
                }
                assertEquals(alone.lse[0], b.lse[i], LSE_TOLERANCE * Math.max(1, Math.abs(alone.lse[0])), what);
                for (int col = 0; col < c.dv; col++) {
                    float got = b.acc[i * c.dv + col];
                    assertEquals(Float.floatToRawIntBits(got), Float.floatToRawIntBits(a.acc[i * c.dv + col]),
                            what + ", column " + col + ": scalar vs " + best.name());
                    if (!(Math.abs(got - alone.acc[col]) <= OUTPUT_TOLERANCE)) {
                        fail(what + ", column " + col + ": " + got + ", alone over its keys " + alone.acc[col]);
                    }
                }
            }
        }
    }

    /** One random block: queries, keys across several tiles (or none), odd sizes. */
    private static final class Case {
        final int d;
        final int dv;
        final int count;
        final int keyCount;
        final int keysInArray;
        final float scale;
        final float[] q;
        final float[] k;
        final float[] v;
        final int[] keyRows;

        private Case(SplittableRandom random) {
            d = 1 + random.nextInt(70);
            dv = 1 + random.nextInt(70);
            count = 1 + random.nextInt(BlockAttention.QUERY_BLOCK);
            keyCount = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(700);
            keysInArray = keyCount + 5;
            scale = (float) (0.05 + random.nextDouble() * 3);
            q = RandomInputs.uniform(random, count * d, 1f);
            k = RandomInputs.uniform(random, keysInArray * d, 1f);
            v = RandomInputs.uniform(random, keysInArray * dv, 1f);
            keyRows = new int[keysInArray];
            for (int j = 0; j < keysInArray; j++) {
                keyRows[j] = random.nextInt(keysInArray); // any rows, repeats allowed
            }
        }

        static Case random(SplittableRandom random) {
            return new Case(random);
        }

        BlockScratch run(BlockAttention kernel) {
            return run(kernel, null);
        }

        /** The block with a logit bias (count, keyCount), or none. */
        BlockScratch run(BlockAttention kernel, float[] bias) {
            BlockScratch s = new BlockScratch(d, dv, scale, kernel.blockCapacity());
            s.startBlock(count, kernel.widthFor(count));
            for (int t = 0; t < count; t++) {
                s.putQuery(q, t, t);
            }
            kernel.attend(k, v, keyRows, keyCount, s, bias);
            return s;
        }

        /** Query i alone over the given key rows. */
        BlockScratch alone(BlockAttention kernel, int i, int[] rows) {
            BlockScratch s = new BlockScratch(d, dv, scale, kernel.blockCapacity());
            s.startBlock(1, kernel.widthFor(1));
            s.putQuery(q, i, 0);
            kernel.attend(k, v, rows, rows.length, s);
            return s;
        }

        /** Float64 softmax of query i; fills out, returns lse. */
        double reference(int i, double[] out) {
            double[] logits = new double[keyCount];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < keyCount; j++) {
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    dot += (double) q[i * d + c] * k[keyRows[j] * d + c];
                }
                logits[j] = scale * dot;
                max = Math.max(max, logits[j]);
            }
            double sum = 0;
            for (int j = 0; j < keyCount; j++) {
                double p = Math.exp(logits[j] - max);
                sum += p;
                for (int c = 0; c < dv; c++) {
                    out[c] += p * v[keyRows[j] * dv + c];
                }
            }
            for (int c = 0; c < dv && keyCount > 0; c++) {
                out[c] /= sum;
            }
            return max + Math.log(sum);
        }

        @Override
        public String toString() {
            return "(d=" + d + ", dv=" + dv + ", queries=" + count + ", keys=" + keyCount + ", scale=" + scale + ")";
        }
    }
}
