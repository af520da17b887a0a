package org.smyrf4j.cuda;

import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;

/**
 * Every size one SMYRF launch sequence needs (docs/kernels.md names in brackets): batch rows
 * [B], lengths [Nq, Nk], head dims [d, dv], rounds [H], the cluster plan [Cq, Ck, L, Nq', Nk'],
 * the sort segments [Sq, Sk] = next powers of two of the padded lengths, and the local window
 * [w] (0: off), whose round follows the H hash rounds in the per-round buffers.
 * Construction refuses sizes the kernels cannot index with {@code int} or launch.
 */
record SmyrfSizes(AttentionShape shape, int hashes, ClusterPlan plan, int querySegment, int keySegment, int window) {

    /** The sizes of a call without a local window. */
    static SmyrfSizes of(AttentionShape shape, int hashes, ClusterPlan plan) {
        return of(shape, hashes, plan, 0);
    }

    /**
     * @param window the local window w, 0 for none; w > 0 needs self-attention (Nq == Nk)
     */
    static SmyrfSizes of(AttentionShape shape, int hashes, ClusterPlan plan, int window) {
        if (plan.queryLen() != shape.queryLen() || plan.keyLen() != shape.keyLen()) {
            throw new IllegalArgumentException("plan " + plan + " does not match shape " + shape);
        }
        if (shape.batch() > KernelLaunch.MAX_GRID_YZ) {
            throw new IllegalArgumentException("batch must be <= " + KernelLaunch.MAX_GRID_YZ
                    + " on the GPU (grid dimension y), got " + shape.batch());
        }
        if (hashes > KernelLaunch.MAX_GRID_YZ) {
            throw new IllegalArgumentException("hashes must be <= " + KernelLaunch.MAX_GRID_YZ
                    + " on the GPU (grid dimension z), got " + hashes);
        }
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 0 (0: off), got " + window);
        }
        if (window > 0 && shape.queryLen() != shape.keyLen()) {
            throw new IllegalArgumentException("window " + window + " needs self-attention (Nq == Nk), got "
                    + shape);
        }
        int sq = KernelGeometry.segmentLength(plan.paddedQueryLen());
        int sk = KernelGeometry.segmentLength(plan.paddedKeyLen());
        long rounds = (long) hashes * shape.batch();
        requireIndexable("hashes x batch x querySegment", rounds * sq);
        requireIndexable("hashes x batch x keySegment", rounds * sk);
        long slots = (long) (hashes + (window > 0 ? 1 : 0)) * shape.batch();
        requireIndexable("rounds x batch x queryLen x valueDim", slots * shape.queryLen() * shape.valueDim());
        return new SmyrfSizes(shape, hashes, plan, sq, sk, window);
    }

    private static void requireIndexable(String what, long count) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + count
                    + " exceeds the 2^31-1 elements the kernels index with int");
        }
    }

    int batch() { return shape.batch(); }

    int queryLen() { return shape.queryLen(); }

    int keyLen() { return shape.keyLen(); }

    int dim() { return shape.dim(); }

    int valueDim() { return shape.valueDim(); }

    int clusters() { return plan.clusters(); }

    int queryClusterSize() { return plan.queryClusterSize(); }

    int keyClusterSize() { return plan.keyClusterSize(); }

    int paddedQueryLen() { return plan.paddedQueryLen(); }

    int paddedKeyLen() { return plan.paddedKeyLen(); }

    /** Sort segments of one side: one per (round, batch row). */
    int segments() { return hashes * shape.batch(); }

    /** Rounds the combine mixes: the H hash rounds, and the local window's (slot H) when it is on. */
    int rounds() { return hashes + (window > 0 ? 1 : 0); }

    long queryKeyCount() { return (long) segments() * querySegment; }

    long keyKeyCount() { return (long) segments() * keySegment; }

    long queryOrderCount() { return (long) segments() * paddedQueryLen(); }

    long keyOrderCount() { return (long) segments() * paddedKeyLen(); }

    /** Elements of the per-round outputs (R, B, Nq, dv), R = {@link #rounds()}. */
    long roundOutCount() { return (long) rounds() * shape.batch() * shape.queryLen() * shape.valueDim(); }

    /** Elements of the per-round log-sum-exps (R, B, Nq). */
    long roundLseCount() { return (long) rounds() * shape.batch() * shape.queryLen(); }

    long projectionCount() { return (long) (shape.dim() + 2) * hashes; }
}
