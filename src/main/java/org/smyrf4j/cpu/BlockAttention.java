package org.smyrf4j.cpu;

import java.util.Arrays;

/**
 * Exact softmax attention of one block of queries over a list of keys: the inner computation of
 * both SPEC step 6 (a cluster) and dense attention (all keys of a row).
 *
 * <p>For query i of the block and keys j in {@code keyRows[0..keyCount)} (row indices into K
 * and V, masked keys already left out):
 * <pre>
 *   l_ij  = scale * (q_i . k_j)                 dot product: fma over c = 0..d-1 ascending
 *   lse_i = log sum_j exp(l_ij)
 *   o_i   = sum_j exp(l_ij - lse_i) v_j
 * </pre>
 * Keys are taken in tiles of {@link #KEY_TILE} with an online softmax (running maximum m,
 * running sum s, accumulator a; a tile rescales s and a by exp(m_old - m_new)), so no buffer
 * grows with the key count. With no key at all, o_i = 0 and lse_i = -infinity.
 *
 * <p>Subclasses supply the loops (logits, softmax, P x V, normalisation). Each fixes the order
 * of every floating-point operation per query (key ascending, fma where written), so
 * {@link ScalarBlockAttention} and {@link VectorBlockAttention} give the same bits;
 * {@code BlockAttentionTest} checks that, and should a future kernel break it the contract
 * only promises agreement in the last bits.
 * A query's result never depends on the other queries of its block.
 */
abstract class BlockAttention {

    /** Keys per tile. Fixed (not per kernel) because tile borders change the rounding. */
    static final int KEY_TILE = 256;

    /** Preferred largest block width in queries (rounded up to a multiple of the lanes). */
    static final int QUERY_BLOCK = 64;

    /** Queries computed together by one vector operation; blocks are a multiple of this wide. */
    abstract int lanes();

    /** Short name for descriptions and benchmark output. */
    abstract String name();

    /** Block capacity to allocate for this kernel. */
    final int blockCapacity() {
        return roundUp(QUERY_BLOCK, lanes());
    }

    /** The width of a block holding {@code count} queries. */
    final int widthFor(int count) {
        return roundUp(count, lanes());
    }

    /**
     * Attention of the block in {@code s} (queries set with {@link BlockScratch#startBlock} and
     * {@link BlockScratch#putQuery}) over keys {@code keyRows[0..keyCount)}. Leaves o_i in row i
     * of {@code s.acc} and lse_i in {@code s.lse[i]} for i < s.count.
     *
     * @param k K, rows of s.dim values (not modified)
     * @param v V, rows of s.valueDim values (not modified)
     */
    final void attend(float[] k, float[] v, int[] keyRows, int keyCount, BlockScratch s) {
        attend(k, v, keyRows, keyCount, s, null);
    }

    /**
     * As {@link #attend(float[], float[], int[], int, BlockScratch)} with {@code l_ij += bias[i * keyCount + j]}
     * after the scaling (SPEC Extensions, union softmax: bias = -log n_ij); a null bias changes
     * nothing, not even the rounding.
     *
     * @param bias (count, keyCount) row-major, or null (not modified)
     */
    final void attend(float[] k, float[] v, int[] keyRows, int keyCount, BlockScratch s, float[] bias) {
        int count = s.count;
        int dv = s.valueDim;
        s.transposeQueries();
        Arrays.fill(s.acc, 0, count * dv, 0f);
        if (keyCount == 0) {
            Arrays.fill(s.lse, 0, count, Float.NEGATIVE_INFINITY);
            return;
        }
        Arrays.fill(s.max, 0, s.width, Float.NEGATIVE_INFINITY);
        Arrays.fill(s.sum, 0, s.width, 0f);
        for (int from = 0; from < keyCount; from += KEY_TILE) {
            int tileKeys = Math.min(KEY_TILE, keyCount - from);
            logits(s, k, keyRows, from, tileKeys);
            if (bias != null) {
                addBias(s, bias, keyCount, from, tileKeys);
            }
            softmaxTile(s, tileKeys);
            if (from > 0) {
                rescale(s);
            }
            accumulate(s, v, keyRows, from, tileKeys);
        }
        normalize(s);
        for (int i = 0; i < count; i++) {
            // StrictMath: the same bits on every JVM, interpreted or compiled.
            s.lse[i] = s.max[i] + (float) StrictMath.log(s.sum[i]);
        }
    }

    /** {@code acc_i[c] = acc_i[c] / sum_i} for queries i < count (a division, not a reciprocal). */
    abstract void normalize(BlockScratch s);

    /**
     * {@code s.tile[j*width + i] = scale * (q_i . k_j)} for the tile's keys
     * {@code keyRows[from..from+tileKeys)}, every column i < width; the dot product is
     * {@code acc = fma(q[c], k[c], acc)} from acc = 0, c ascending.
     */
    abstract void logits(BlockScratch s, float[] k, int[] keyRows, int from, int tileKeys);

    /**
     * For every column i < width: {@code m' = max(m, max_j l_ij)}, {@code alpha = exp(m - m')},
     * {@code p_ij = exp(l_ij - m')} stored over the logits, and
     * {@code sum = (sum * alpha) + p_0j + p_1j + ...} added in key order; m' and alpha stored.
     */
    abstract void softmaxTile(BlockScratch s, int tileKeys);

    /**
     * For queries i < count: {@code acc_i[c] = fma(p_ij, v_j[c], acc_i[c])} for the tile's
     * keys in order.
     */
    abstract void accumulate(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys);

    /** Whether the JIT needs a {@link KernelWarmUp} before this kernel runs at full speed. */
    boolean needsWarmUp() {
        return false;
    }

    /**
     * Calls the kernel's inner loops (the main ones, or the remainder ones) {@code calls} times
     * on minimal operands so that the JIT compiles them; see {@link KernelWarmUp}. Nothing for
     * kernels that need no warm-up.
     */
    void exerciseTiles(int calls, boolean mainTiles) {
    }

    /** {@code tile[j*width + i] += bias[i*keyCount + from + j]} for queries i < count. */
    private static void addBias(BlockScratch s, float[] bias, int keyCount, int from, int tileKeys) {
        for (int j = 0; j < tileKeys; j++) {
            int row = j * s.width;
            for (int i = 0; i < s.count; i++) {
                s.tile[row + i] += bias[i * keyCount + from + j];
            }
        }
    }

    /** Scales each query's accumulator by its alpha (x * 1 = x, so alpha == 1 is skipped). */
    private static void rescale(BlockScratch s) {
        int dv = s.valueDim;
        for (int i = 0; i < s.count; i++) {
            float a = s.alpha[i];
            if (a != 1f) {
                for (int c = i * dv, end = c + dv; c < end; c++) {
                    s.acc[c] *= a;
                }
            }
        }
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
