package org.smyrf4j;

/**
 * How SPEC step 5 cuts one batch row: {@code clusters} query clusters of {@code queryClusterSize}
 * and as many key clusters of {@code keyClusterSize}. Lengths that are not multiples are padded
 * inside the engines to {@link #paddedQueryLen()} and {@link #paddedKeyLen()}.
 */
public record ClusterPlan(int queryLen, int keyLen, int queryClusterSize, int keyClusterSize, int clusters) {

    /** Default query cluster size when neither size is given (capped at the query length). */
    public static final int DEFAULT_CLUSTER_SIZE = 128;

    /**
     * Resolves the cluster sizes for the given lengths. Either size may be null: the cluster
     * count L then comes from the given side and the other size is {@code ceil(len / L)}, so
     * the counts agree by construction (when {@code len < L * (size - 1)} the last clusters of
     * that side hold only placeholders). Both null uses the default query cluster size. Two
     * explicit sizes must give the same count {@code ceil(Nq / Cq) == ceil(Nk / Ck)}.
     *
     * @throws IllegalArgumentException when a length or size is not positive or two explicit
     *     sizes give different counts
     */
    public static ClusterPlan resolve(int queryLen, int keyLen, Integer queryClusterSize, Integer keyClusterSize) {
        if (queryLen <= 0) {
            throw new IllegalArgumentException("queryLen must be > 0, got " + queryLen);
        }
        if (keyLen <= 0) {
            throw new IllegalArgumentException("keyLen must be > 0, got " + keyLen);
        }
        if (queryClusterSize != null && queryClusterSize <= 0) {
            throw new IllegalArgumentException("queryClusterSize must be > 0, got " + queryClusterSize);
        }
        if (keyClusterSize != null && keyClusterSize <= 0) {
            throw new IllegalArgumentException("keyClusterSize must be > 0, got " + keyClusterSize);
        }
        if (queryClusterSize != null && keyClusterSize != null) {
            int queryClusters = ceilDiv(queryLen, queryClusterSize);
            int keyClusters = ceilDiv(keyLen, keyClusterSize);
            if (queryClusters != keyClusters) {
                throw new IllegalArgumentException("cluster counts cannot agree: queryLen=" + queryLen
                        + " in clusters of queryClusterSize=" + queryClusterSize + " gives " + queryClusters
                        + ", keyLen=" + keyLen + " in clusters of keyClusterSize=" + keyClusterSize + " gives "
                        + keyClusters);
            }
            return new ClusterPlan(queryLen, keyLen, queryClusterSize, keyClusterSize, queryClusters);
        }
        if (keyClusterSize == null) {
            int cq = queryClusterSize != null ? queryClusterSize : Math.min(DEFAULT_CLUSTER_SIZE, queryLen);
            int clusters = ceilDiv(queryLen, cq);
            return new ClusterPlan(queryLen, keyLen, cq, ceilDiv(keyLen, clusters), clusters);
        }
        int clusters = ceilDiv(keyLen, keyClusterSize);
        return new ClusterPlan(queryLen, keyLen, ceilDiv(queryLen, clusters), keyClusterSize, clusters);
    }

    public int paddedQueryLen() { return clusters * queryClusterSize; }

    public int paddedKeyLen() { return clusters * keyClusterSize; }

    static int ceilDiv(int a, int b) {
        return (int) (((long) a + b - 1) / b);
    }
}
