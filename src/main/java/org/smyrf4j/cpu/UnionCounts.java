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
    /** Signature layout: 16-bit lanes while every cluster id fits below the pads, else 32-bit. */
    private final int laneBits;
    private final int lanes;
    private final int words;
    private final long lowBits;
    private final long topBits;
    /** Unused lanes: different pads on the two sides, so they never count as equal. */
    private final long queryPad;
    private final long keyPad;

    UnionCounts(int hashes, int batch, int queryLen, int keyLen, ClusterPlan plan, int[] queryOrder,
            int[] keyOrder) {
        this.hashes = hashes;
        this.batch = batch;
        this.queryLen = queryLen;
        this.keyLen = keyLen;
        this.queryCluster = clusterIds(queryOrder, hashes * batch, queryLen, plan.paddedQueryLen(),
                plan.queryClusterSize());
        this.keyCluster = clusterIds(keyOrder, hashes * batch, keyLen, plan.paddedKeyLen(), plan.keyClusterSize());
        this.laneBits = plan.clusters() < (1 << 15) - 2 ? 16 : 32;
        this.lanes = 64 / laneBits;
        this.words = (hashes + lanes - 1) / lanes;
        long low = (1L << (laneBits - 1)) - 1;
        long lowPattern = 0;
        for (int lane = 0; lane < lanes; lane++) {
            lowPattern |= low << (lane * laneBits);
        }
        this.lowBits = lowPattern;
        this.topBits = ~lowPattern;
        this.queryPad = low;
        this.keyPad = low - 1;
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
     * Long words per token signature: the H cluster ids packed {@link #lanes} to a word, so that
     * {@link #sharedRounds} counts the equal ones with a few bit operations per word instead of
     * a compare per round (the count is the union softmax's inner loop: one per query and key).
     */
    int words() {
        return words;
    }

    /** Query i's signature in row b, into {@code sig[0..words)}. */
    void querySignature(int b, int i, long[] sig) {
        pack(queryCluster, queryLen, b, i, sig, 0, queryPad);
    }

    /** Key j's signature in row b, into {@code sig[p*words .. (p+1)*words)}. */
    void keySignature(int b, int j, long[] sig, int p) {
        pack(keyCluster, keyLen, b, j, sig, p * words, keyPad);
    }

    /**
     * n_ij: the lanes where query signature {@code q} equals key p's signature in {@code k}.
     * A lane of {@code x = q ^ k} is zero exactly when neither {@code x} nor
     * {@code (x & low) + low} has its top bit set ({@code low}: every lane's bits below the top
     * one; the sum cannot carry into the next lane).
     */
    int sharedRounds(long[] q, long[] k, int p) {
        int n = 0;
        for (int w = 0, o = p * words; w < words; w++, o++) {
            long x = q[w] ^ k[o];
            long y = (x & lowBits) + lowBits;
            n += Long.bitCount(~(y | x) & topBits);
        }
        return n;
    }

    /** Packs token t's ids of rounds 0..H-1, lane r % lanes of word r / lanes; unused lanes get pad. */
    private void pack(int[] ids, int len, int b, int t, long[] sig, int from, long pad) {
        for (int w = 0; w < words; w++) {
            long word = 0;
            for (int lane = 0; lane < lanes; lane++) {
                int r = w * lanes + lane;
                long id = r < hashes ? ids[(r * batch + b) * len + t] : pad;
                word |= id << (lane * laneBits);
            }
            sig[from + w] = word;
        }
    }

    int hashes() {
        return hashes;
    }
}
