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

    /** The rounds in which query i and (non-global) key j of row b share a cluster, in [0, H]. */
    int count(int b, int i, int j) {
        int n = 0;
        for (int r = 0; r < hashes; r++) {
            int segment = r * batch + b;
            if (queryCluster[segment * queryLen + i] == keyCluster[segment * keyLen + j]) {
                n++;
            }
        }
        return n;
    }

    int hashes() {
        return hashes;
    }
}
