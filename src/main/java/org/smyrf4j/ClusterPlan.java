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
     * Resolves the cluster sizes for the given lengths. Either size may be null: it is then
     * derived from the other so the cluster counts agree; both null uses the default.
     *
     * @throws IllegalArgumentException when a size is not positive or the counts cannot agree
     */
    public static ClusterPlan resolve(int queryLen, int keyLen, Integer queryClusterSize, Integer keyClusterSize) {
        if (queryClusterSize != null && queryClusterSize <= 0) {
            throw new IllegalArgumentException("queryClusterSize must be > 0, got " + queryClusterSize);
        }
        if (keyClusterSize != null && keyClusterSize <= 0) {
            throw new IllegalArgumentException("keyClusterSize must be > 0, got " + keyClusterSize);
        }
        int cq;
        int ck;
        if (queryClusterSize == null && keyClusterSize == null) {
            cq = Math.min(DEFAULT_CLUSTER_SIZE, queryLen);
            ck = ceilDiv(keyLen, ceilDiv(queryLen, cq));
        } else if (keyClusterSize == null) {
            cq = queryClusterSize;
            ck = ceilDiv(keyLen, ceilDiv(queryLen, cq));
        } else if (queryClusterSize == null) {
            ck = keyClusterSize;
            cq = ceilDiv(queryLen, ceilDiv(keyLen, ck));
        } else {
            cq = queryClusterSize;
            ck = keyClusterSize;
        }
        int queryClusters = ceilDiv(queryLen, cq);
        int keyClusters = ceilDiv(keyLen, ck);
        if (queryClusters != keyClusters) {
            throw new IllegalArgumentException("cluster counts cannot agree: queryLen=" + queryLen
                    + " in clusters of queryClusterSize=" + cq + " gives " + queryClusters
                    + ", keyLen=" + keyLen + " in clusters of keyClusterSize=" + ck + " gives " + keyClusters);
        }
        return new ClusterPlan(queryLen, keyLen, cq, ck, queryClusters);
    }

    public int paddedQueryLen() { return clusters * queryClusterSize; }

    public int paddedKeyLen() { return clusters * keyClusterSize; }

    static int ceilDiv(int a, int b) {
        return (int) (((long) a + b - 1) / b);
    }
}
