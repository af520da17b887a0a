package org.smyrf4j.cuda;

import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;

/**
 * Every size one SMYRF launch sequence needs (docs/kernels.md names in brackets): batch rows
 * [B], lengths [Nq, Nk], head dims [d, dv], rounds [H], the cluster plan [Cq, Ck, L, Nq', Nk']
 * and the sort segments [Sq, Sk] = next powers of two of the padded lengths.
 * Construction refuses sizes the kernels cannot index with {@code int} or launch.
 */
record SmyrfSizes(AttentionShape shape, int hashes, ClusterPlan plan, int querySegment, int keySegment) {

    static SmyrfSizes of(AttentionShape shape, int hashes, ClusterPlan plan) {
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
        int sq = KernelGeometry.segmentLength(plan.paddedQueryLen());
        int sk = KernelGeometry.segmentLength(plan.paddedKeyLen());
        long rounds = (long) hashes * shape.batch();
        requireIndexable("hashes x batch x querySegment", rounds * sq);
        requireIndexable("hashes x batch x keySegment", rounds * sk);
        requireIndexable("hashes x batch x queryLen x valueDim", rounds * shape.queryLen() * shape.valueDim());
        return new SmyrfSizes(shape, hashes, plan, sq, sk);
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

    long queryKeyCount() { return (long) segments() * querySegment; }

    long keyKeyCount() { return (long) segments() * keySegment; }

    long queryOrderCount() { return (long) segments() * paddedQueryLen(); }

    long keyOrderCount() { return (long) segments() * paddedKeyLen(); }

    long roundOutCount() { return (long) segments() * shape.queryLen() * shape.valueDim(); }

    long roundLseCount() { return (long) segments() * shape.queryLen(); }

    long projectionCount() { return (long) (shape.dim() + 2) * hashes; }
}
