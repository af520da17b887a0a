package org.smyrf4j.cuda;

/**
 * Launch geometry of the kernel pack: a mirror of {@code src/main/cuda/smyrf_geometry.h}
 * (constant {@code X} here is {@code SMYRF_X} there). The kernels are compiled with these
 * values, so the launchers must use the same ones; {@code KernelGeometryTest} checks that
 * every constant equals the header's. See docs/kernels.md.
 */
public final class KernelGeometry {

    /** Threads per hashing / norm block. */
    public static final int HASH_THREADS = 256;
    /** Tokens of one row a norm block reads (8 per thread), so long rows spread over many SMs. */
    public static final int NORM_TOKENS = 2048;
    /** Threads per sort block; each thread holds two keys. */
    public static final int SORT_THREADS = 1024;
    /** Keys a sort block sorts in shared memory (16 KiB of uint64 keys). */
    public static final int SORT_LOCAL = 2048;
    /** Threads per cluster-attention block; thread t owns query t of a pass. */
    public static final int ATTN_THREADS = 128;
    /** Keys staged in shared memory at a time (attention and dense). */
    public static final int ATTN_KEY_TILE = 32;
    /** Value columns a thread accumulates in registers per pass over the keys. */
    public static final int ATTN_DV_CHUNK = 32;
    /** Threads per tensor-core cluster-attention block (attention_tc.cu): 8 warps. */
    public static final int TC_THREADS = 256;
    /**
     * Query rows a tensor-core block takes per pass: 16 per warp, one wmma row tile each; 128, so
     * a cluster of up to 128 queries gathers each key once per round.
     */
    public static final int TC_QUERY_ROWS = 128;
    /** Keys a tensor-core block stages per tile: two wmma column tiles. */
    public static final int TC_KEY_TILE = 32;
    /** Threads per dense block, one query each. */
    public static final int DENSE_THREADS = 128;
    /** Threads per combine block. */
    public static final int COMBINE_THREADS = 256;
    /** Threads per GEMM block (gemm.cu), 16 x 16, each holding an 8 x 8 register tile of y. */
    public static final int GEMM_THREADS = 256;
    /** Rows of y per GEMM block. */
    public static final int GEMM_TILE_M = 128;
    /** Columns of y per GEMM block. */
    public static final int GEMM_TILE_N = 128;
    /** Depth of the k step a GEMM block stages in shared memory. */
    public static final int GEMM_TILE_K = 8;
    /** Threads per element-wise block (heads.cu, the bias rows of gemm.cu), one element each. */
    public static final int ELEMENTWISE_THREADS = 256;

    /** Threads per order-extraction block (fixed in docs/kernels.md, not in the header). */
    public static final int EXTRACT_THREADS = 256;
    /** Queries per dense block: one per thread. */
    public static final int DENSE_QUERY_TILE = DENSE_THREADS;
    /**
     * Shared memory, static and dynamic together, a block gets without opting in to more: a
     * function's default dynamic limit is this less its static shared memory.
     */
    public static final int DEFAULT_DYNAMIC_SHARED_LIMIT = 48 * 1024;

    private KernelGeometry() {
    }

    /**
     * Dynamic shared memory of a cluster-attention or dense block, in bytes:
     * {@code 4 * (threads * (d | 1) + KEY_TILE * d + KEY_TILE * DV_CHUNK)} — the queries of
     * the pass (odd row stride, so a warp's rows fall in different banks), one key tile and one
     * value tile, all float32.
     *
     * @param threads {@link #ATTN_THREADS} or {@link #DENSE_THREADS}
     * @param dim     head dimension d
     */
    public static long clusterSharedBytes(int threads, int dim) {
        return 4L * ((long) threads * (dim | 1) + (long) ATTN_KEY_TILE * dim + (long) ATTN_KEY_TILE * ATTN_DV_CHUNK);
    }

    /**
     * Dynamic shared memory the union softmax (SPEC Extensions) adds to a cluster-attention or
     * local-window block, in bytes, on top of {@link #clusterSharedBytes}:
     * {@code 4 * (hashes * KEY_TILE + threads * (hashes | 1) + hashes + 2)} — the key tile's
     * cluster id in each round, the pass's queries' ids (odd row stride) and a table of log n,
     * n = 0..hashes+1 (the local window is one more key set).
     * smyrf_geometry.h spells it {@code SMYRF_UNION_SHARED_BYTES(threads, hashes)}.
     */
    public static long unionSharedBytes(int threads, int hashes) {
        return 4L * ((long) hashes * ATTN_KEY_TILE + (long) threads * (hashes | 1) + hashes + 2);
    }

    /**
     * Dynamic shared memory of a tensor-core cluster-attention block, in bytes:
     * {@code 4 * ((QUERY_ROWS + KEY_TILE) * (up(d, 8) + 4) + (KEY_TILE + QUERY_ROWS) * (up(dv, 16) + 4)
     * + QUERY_ROWS * (KEY_TILE + 4))}, up(x, m) = x rounded up to a multiple of m — the pass's
     * query rows and a key tile padded to whole tf32 k-steps (8 columns), a value tile and the
     * output accumulator padded to whole wmma column tiles (16), every row 4 floats longer (so
     * rows shift banks and tile starts stay 32-byte aligned), and one key tile's logits per
     * query row; all float32. smyrf_geometry.h spells it {@code SMYRF_TC_SHARED_BYTES(d, dv)}.
     *
     * @param dim      head dimension d of q and k
     * @param valueDim head dimension dv of v
     */
    public static long tensorCoreSharedBytes(int dim, int valueDim) {
        long keyRow = roundUp(dim, 8) + 4;
        long valueRow = roundUp(valueDim, 16) + 4;
        return 4L * ((TC_QUERY_ROWS + TC_KEY_TILE) * keyRow + (TC_KEY_TILE + TC_QUERY_ROWS) * valueRow
                + (long) TC_QUERY_ROWS * (TC_KEY_TILE + 4));
    }

    /** The largest d, with dv = d, whose {@link #tensorCoreSharedBytes} fits in {@code limitBytes}, or 0. */
    public static int maxTensorCoreDim(long limitBytes) {
        int lo = 0;
        int hi = 1 << 20;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (tensorCoreSharedBytes(mid, mid) <= limitBytes) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** {@code x} rounded up to a multiple of {@code m} (SMYRF_TC_ROUND_UP). */
    private static long roundUp(long x, long m) {
        return (x + m - 1) / m * m;
    }

    /** The largest head dimension whose {@link #clusterSharedBytes} fits in {@code limitBytes}, or 0. */
    public static int maxDim(int threads, long limitBytes) {
        int lo = 0;
        int hi = 1 << 20;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (clusterSharedBytes(threads, mid) <= limitBytes) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Whether a launch with {@code dynamicBytes} of dynamic shared memory must first raise the
     * function's limit (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES): when static and dynamic
     * bytes together exceed the 48 KiB a block gets by default.
     */
    static boolean needsSharedOptIn(long dynamicBytes, long staticBytes) {
        return dynamicBytes > 0 && dynamicBytes + staticBytes > DEFAULT_DYNAMIC_SHARED_LIMIT;
    }

    /** The sort segment of a padded length: its next power of two (1 for 1). */
    public static int segmentLength(int paddedLen) {
        if (paddedLen <= 0 || paddedLen > (1 << 30)) {
            throw new IllegalArgumentException("paddedLen must be in [1, 2^30], got " + paddedLen);
        }
        return paddedLen == 1 ? 1 : Integer.highestOneBit(paddedLen - 1) << 1;
    }

    static int ceilDiv(long a, long b) {
        long q = (a + b - 1) / b;
        if (q > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("grid dimension " + q + " exceeds 2^31-1");
        }
        return (int) q;
    }
}
