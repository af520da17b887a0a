package org.smyrf4j.cpu;

import org.smyrf4j.ClusterPlan;

/**
 * SPEC Extensions, union softmax: {@code n_ij}, the number of rounds in which query i and key j
 * share a cluster, from each token's cluster id per round.
 *
 * <p>Cluster ids come from the orders of step 4: the token at sorted position p of a round is
 * in cluster {@code p / C}. Queries (H, B, Nq) and keys (H, B, Nk) of round r, row b.
 * Global keys are in every cluster of every round: n = H. Memory O(H B (Nq + Nk)).
 */
final class UnionCounts {

    private final int hashes;
    private final int batch;
    private final int queryLen;
    private final int keyLen;
    private final int[] queryCluster;
    private final int[] keyCluster;

    UnionCounts(int hashes, int batch, int queryLen, int keyLen, ClusterPlan plan, int[] queryOrder,
            int[] keyOrder) {
        this.hashes = hashes;
        this.batch = batch;
        this.queryLen = queryLen;
        this.keyLen = keyLen;
        this.queryCluster = clusterIds(queryOrder, hashes * batch, queryLen, plan.paddedQueryLen(),
                plan.queryClusterSize());
        this.keyCluster = clusterIds(keyOrder, hashes * batch, keyLen, plan.paddedKeyLen(), plan.keyClusterSize());
    }

    /** ids[segment * len + token] = sorted position / clusterSize, for tokens < len. */
    private static int[] clusterIds(int[] order, int segments, int len, int padded, int clusterSize) {
        int[] ids = new int[segments * len];
        for (int segment = 0; segment < segments; segment++) {
            for (int p = 0; p < padded; p++) {
                int token = order[segment * padded + p];
                if (token < len) {
                    ids[segment * len + token] = p / clusterSize;
                }
            }
        }
        return ids;
    }

    /**
     * Query i's cluster in each round of row b, into {@code ids[0..H)}: with {@link #keyIds} and
     * {@link #count(int[], int[], int)}, a block counts n_ij from a few contiguous ints per pair
     * instead of 2H scattered loads (the stride between rounds is B N).
     */
    void queryIds(int b, int i, int[] ids) {
        for (int r = 0; r < hashes; r++) {
            ids[r] = queryCluster[(r * batch + b) * queryLen + i];
        }
    }

    /** Key j's cluster in each round of row b, into {@code ids[p*H .. (p+1)*H)}. */
    void keyIds(int b, int j, int[] ids, int p) {
        for (int r = 0; r < hashes; r++) {
            ids[p * hashes + r] = keyCluster[(r * batch + b) * keyLen + j];
        }
    }

    /** n_ij from the ids of {@link #queryIds} and of key p of {@link #keyIds}. */
    int count(int[] queryIds, int[] keyIds, int p) {
        int n = 0;
        for (int r = 0, k = p * hashes; r < hashes; r++, k++) {
            n += queryIds[r] == keyIds[k] ? 1 : 0;
        }
        return n;
    }

    int hashes() {
        return hashes;
    }
}
