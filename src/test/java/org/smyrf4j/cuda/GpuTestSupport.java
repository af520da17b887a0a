package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/** Shared pieces of the gpu-tagged tests: the skip rule, random inputs, and comparisons. */
final class GpuTestSupport {

    /** The golden cases' bar (test-data/golden/README.md): max abs difference per output row. */
    static final double OUTPUT_TOLERANCE = 1e-4;
    /** Share of rows a faithful float32 engine keeps within tolerance against the reference. */
    static final double GOLDEN_ROW_FRACTION = 0.995;
    /**
     * Hashes are specified bit for bit (docs/kernels.md, "Exact hashing"); this relative bound
     * only keeps a rounding difference from hiding behind an order mismatch report.
     */
    static final double HASH_RELATIVE_TOLERANCE = 1e-5;

    private GpuTestSupport() {
    }

    /** Skips the calling test unless CUDA runs here; the skip shows the probe's reason. */
    static CudaProbe.Result requireUsableGpu() {
        CudaProbe.Result probe = CudaProbe.probe();
        Assumptions.assumeTrue(probe.usable(), () -> "CUDA unusable here: " + probe.reason());
        return probe;
    }

    enum MaskKind { NONE, PREFIX, RANDOM, SOME_ROW_EMPTY }

    /**
     * Standard normal Q, K, V for a shape; with {@code duplicates}, some key and query rows
     * repeat an earlier row exactly and some are zero, so hashes tie exactly.
     */
    static AttentionInputs randomInputs(SplittableRandom random, AttentionShape shape, MaskKind mask,
            boolean duplicates) {
        float[] q = gaussian(random, shape.queryElements());
        float[] k = gaussian(random, shape.keyElements());
        float[] v = gaussian(random, shape.valueElements());
        if (duplicates) {
            duplicateRows(random, q, shape.batch() * shape.queryLen(), shape.dim());
            duplicateRows(random, k, shape.batch() * shape.keyLen(), shape.dim());
        }
        return AttentionInputs.of(shape, q, k, v, mask(random, shape, mask));
    }

    static boolean[] mask(SplittableRandom random, AttentionShape shape, MaskKind kind) {
        if (kind == MaskKind.NONE) {
            return null;
        }
        int nk = shape.keyLen();
        boolean[] valid = new boolean[shape.batch() * nk];
        for (int b = 0; b < shape.batch(); b++) {
            int prefix = 1 + random.nextInt(nk);
            boolean empty = kind == MaskKind.SOME_ROW_EMPTY && b == 0;
            for (int j = 0; j < nk; j++) {
                valid[b * nk + j] = !empty && switch (kind) {
                    case PREFIX -> j < prefix;
                    case RANDOM, SOME_ROW_EMPTY -> random.nextInt(4) != 0;
                    default -> true;
                };
            }
        }
        return valid;
    }

    private static void duplicateRows(SplittableRandom random, float[] x, int rows, int dim) {
        for (int r = 1; r < rows; r++) {
            int pick = random.nextInt(10);
            if (pick == 0) {
                System.arraycopy(x, random.nextInt(r) * dim, x, r * dim, dim);
            } else if (pick == 1) {
                java.util.Arrays.fill(x, r * dim, (r + 1) * dim, 0f);
            }
        }
    }

    static float[] gaussian(SplittableRandom random, int count) {
        float[] data = new float[count];
        for (int i = 0; i < count; i += 2) {
            double u = 1.0 - random.nextDouble();
            double w = random.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u));
            data[i] = (float) (r * Math.cos(2 * Math.PI * w));
            if (i + 1 < count) {
                data[i + 1] = (float) (r * Math.sin(2 * Math.PI * w));
            }
        }
        return data;
    }

    // ---------------------------------------------------------------------------------------
    // Comparisons

    /** Which rows count in a row comparison. */
    interface RowFilter {
        boolean counts(int row);
    }

    /**
     * Rows compared by their max abs difference.
     *
     * @param counted   rows compared
     * @param within    rows within the tolerance
     * @param firstBad  the first row outside it (-1 if none), with its worst column
     * @param maxDiff   the largest difference over counted rows
     */
    record RowStats(int counted, int within, int firstBad, String firstBadText, double maxDiff) {
        double fraction() { return counted == 0 ? 1.0 : within / (double) counted; }

        String describe() {
            return within + "/" + counted + " rows within tolerance, max diff " + maxDiff
                    + (firstBad < 0 ? "" : "; first bad " + firstBadText);
        }
    }

    static RowStats compareRows(float[] expected, float[] actual, int rows, int cols, double tolerance,
            RowFilter filter) {
        int counted = 0;
        int within = 0;
        int firstBad = -1;
        String firstBadText = "";
        double maxDiff = 0;
        for (int r = 0; r < rows; r++) {
            if (filter != null && !filter.counts(r)) {
                continue;
            }
            counted++;
            double rowMax = 0;
            int worst = 0;
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double diff = Math.abs((double) expected[i] - actual[i]);
                if (Double.isNaN(diff) || Float.isNaN(actual[i]) != Float.isNaN(expected[i])) {
                    diff = Double.POSITIVE_INFINITY;
                }
                if (diff > rowMax) {
                    rowMax = diff;
                    worst = c;
                }
            }
            maxDiff = Math.max(maxDiff, rowMax);
            if (rowMax <= tolerance) {
                within++;
            } else if (firstBad < 0) {
                firstBad = r;
                int i = r * cols + worst;
                firstBadText = "row " + r + " column " + worst + ": expected " + expected[i] + ", got " + actual[i];
            }
        }
        return new RowStats(counted, within, firstBad, firstBadText, maxDiff);
    }

    /** Log-sum-exps agree when both are -inf or within the tolerance, relative for large values. */
    static void assertLseClose(String label, float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            boolean ok = e == a || Math.abs(e - a) <= OUTPUT_TOLERANCE * Math.max(1, Math.abs(e));
            if (!ok) {
                fail(label + ": roundLse first mismatch at " + i + ": expected " + e + ", got " + a);
            }
        }
    }

    static void assertNoNaN(String label, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (Float.isNaN(values[i])) {
                fail(label + ": NaN (unwritten, poisoned) at index " + i + " of " + values.length);
            }
        }
    }

    /** Every segment of {@code order} is a permutation of [0, len). */
    static void assertPermutations(String label, int[] order, int segments, int len) {
        boolean[] seen = new boolean[len];
        for (int s = 0; s < segments; s++) {
            java.util.Arrays.fill(seen, false);
            for (int p = 0; p < len; p++) {
                int idx = order[s * len + p];
                if (idx < 0 || idx >= len || seen[idx]) {
                    fail(label + ": segment " + s + " position " + p + " holds " + idx
                            + (idx >= 0 && idx < len ? " twice" : ", outside [0, " + len + ")"));
                }
                seen[idx] = true;
            }
        }
    }

    /**
     * Hash comparison.
     *
     * @param identical values that are bit for bit equal
     * @param total     values compared
     */
    record HashStats(int identical, int total) {
    }

    static HashStats compareHashes(String label, float[] expected, float[] actual) {
        int identical = 0;
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.floatToIntBits(e) == Float.floatToIntBits(a)) {
                identical++;
            } else if (!(Math.abs(e - a) <= HASH_RELATIVE_TOLERANCE * Math.max(1, Math.abs(e)))) {
                fail(label + ": hash first mismatch at " + i + ": expected " + e + ", got " + a);
            }
        }
        return new HashStats(identical, expected.length);
    }

    /**
     * Orders compared position by position. A difference is allowed only at a tie: both
     * indices are real tokens of the same validity whose CPU hashes agree within
     * {@link #HASH_RELATIVE_TOLERANCE} (with bit-exact hashes and the index tie-break, there
     * should be none at all).
     *
     * @return the number of positions that differ (all ties)
     */
    static int compareOrders(String label, int[] expected, int[] actual, float[] cpuHashes, int segments,
            int paddedLen, int len, TokenValidity validInRow) {
        int mismatches = 0;
        for (int s = 0; s < segments; s++) {
            for (int p = 0; p < paddedLen; p++) {
                int e = expected[s * paddedLen + p];
                int a = actual[s * paddedLen + p];
                if (e == a) {
                    continue;
                }
                mismatches++;
                boolean tie = e < len && a < len
                        && validInRow.test(s, e) == validInRow.test(s, a)
                        && nearlyEqual(cpuHashes[s * len + e], cpuHashes[s * len + a]);
                if (!tie) {
                    fail(label + ": order first non-tie mismatch at segment " + s + " position " + p + ": expected index "
                            + e + ", got " + a + (e < len && a < len ? " (hashes " + cpuHashes[s * len + e] + " vs "
                            + cpuHashes[s * len + a] + ")" : ""));
                }
            }
        }
        return mismatches;
    }

    /** Whether token {@code index} is valid in the batch row of sort segment {@code segment}. */
    interface TokenValidity {
        boolean test(int segment, int index);
    }

    private static boolean nearlyEqual(float x, float y) {
        return Math.abs(x - y) <= HASH_RELATIVE_TOLERANCE * Math.max(1, Math.max(Math.abs(x), Math.abs(y)));
    }
}
