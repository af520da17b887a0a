package org.smyrf4j.cpu;

import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.ClusterPlan;

/**
 * SPEC steps 5-6: balanced clusters and dense softmax attention inside each.
 *
 * <p>Cluster c of round r in batch row b holds the queries at sorted positions
 * {@code [c*Cq, (c+1)*Cq)} of the round's query order and the keys at {@code [c*Ck, (c+1)*Ck)}
 * of its key order. Placeholders (index >= N) are skipped and masked keys left out (a logit of
 * -infinity contributes exactly nothing), then {@link BlockAttention} computes, for each real
 * query, {@code o_r(i)} and {@code lse_r(i)}; a cluster without a valid key gives o = 0,
 * lse = -infinity.
 *
 * <p>Each query's o_r and lse_r go to {@link RoundCombine} (step 7) and, for a trace, to round
 * outputs (H, B, Nq, dv) and round log-sum-exps (H, B, Nq) at the queries' original positions.
 * Rounds run one after the other, each a parallel stage with one work item per (row,
 * cluster); every query appears in exactly one cluster per round, so each output row is
 * written by one item per round, rounds in order.
 */
final class ClusterAttention {

    /** One worker's scratch: the block buffers, the cluster's member lists and the logit bias. */
    private record Scratch(BlockScratch block, int[] keyRows, int[] queries, float[] bias) {
    }

    private ClusterAttention() {
    }

    /**
     * @param queryOrder (H, B, Nq') from {@link SortOrder}
     * @param keyOrder (H, B, Nk') from {@link SortOrder}
     * @param combine receives every query's o_r, lse_r, round by round
     * @param roundOutputs (H, B, Nq, dv) to fill, or null
     * @param roundLse (H, B, Nq) to fill, or null
     * @param globalKeys keys skipped in their cluster and added to every cluster (SPEC Extensions)
     * @param union n_ij for the union softmax (SPEC Extensions), or null for plain SMYRF
     */
    static void compute(WorkerPool pool, BlockAttention kernel, AttentionInputs inputs, ClusterPlan plan,
            int hashes, float scale, int[] queryOrder, int[] keyOrder, RoundCombine combine, float[] roundOutputs,
            float[] roundLse, GlobalKeys globalKeys, UnionCounts union) {
        AttentionShape shape = inputs.shape();
        int batch = shape.batch();
        int nq = shape.queryLen();
        int nk = shape.keyLen();
        int d = shape.dim();
        int dv = shape.valueDim();
        int cq = plan.queryClusterSize();
        int ck = plan.keyClusterSize();
        int clusters = plan.clusters();
        int paddedQ = plan.paddedQueryLen();
        int paddedK = plan.paddedKeyLen();
        float[] q = inputs.q();
        float[] k = inputs.k();
        float[] v = inputs.v();
        int maxKeys = ck + globalKeys.maxPerRow();
        // log(H) for a global key (in every cluster of every round), log(n) otherwise.
        float[] logCount = new float[hashes + 1];
        for (int n = 1; n <= hashes; n++) {
            logCount[n] = (float) StrictMath.log(n);
        }

        for (int round = 0; round < hashes; round++) {
            int firstSegment = round * batch; // segment = round * batch + b
            pool.run(batch * clusters,
                    () -> new Scratch(new BlockScratch(d, dv, scale, kernel.blockCapacity()), new int[maxKeys],
                            new int[cq], union == null ? null : new float[kernel.blockCapacity() * maxKeys]),
                    (item, s) -> {
                        int b = item / clusters;
                        int c = item % clusters;
                        int segment = firstSegment + b;
                        int keyCount = 0;
                        for (int p = segment * paddedK + c * ck, end = p + ck; p < end; p++) {
                            int j = keyOrder[p];
                            if (j < nk && inputs.isKeyValid(b, j) && !globalKeys.isGlobal(b, j)) {
                                s.keyRows()[keyCount++] = b * nk + j;
                            }
                        }
                        int clusterKeys = keyCount;
                        for (int j : globalKeys.ofRow(b)) {
                            s.keyRows()[keyCount++] = b * nk + j;
                        }
                        int queryCount = 0;
                        for (int p = segment * paddedQ + c * cq, end = p + cq; p < end; p++) {
                            int i = queryOrder[p];
                            if (i < nq) {
                                s.queries()[queryCount++] = i;
                            }
                        }
                        BlockScratch block = s.block();
                        for (int first = 0; first < queryCount; first += block.capacity) {
                            int count = Math.min(block.capacity, queryCount - first);
                            block.startBlock(count, kernel.widthFor(count));
                            for (int t = 0; t < count; t++) {
                                block.putQuery(q, b * nq + s.queries()[first + t], t);
                            }
                            if (union != null) {
                                fillUnionBias(s, union, b, nk, first, count, clusterKeys, keyCount, logCount);
                            }
                            kernel.attend(k, v, s.keyRows(), keyCount, block, s.bias());
                            for (int t = 0; t < count; t++) {
                                int row = b * nq + s.queries()[first + t];
                                combine.add(row, block.acc, t * dv, block.lse[t]);
                                if (roundOutputs != null) {
                                    int traced = segment * nq + s.queries()[first + t];
                                    System.arraycopy(block.acc, t * dv, roundOutputs, traced * dv, dv);
                                    roundLse[traced] = block.lse[t];
                                }
                            }
                        }
                    });
        }
    }

    /** bias[t * keyCount + j] = -log n_ij for the block's queries t and the cluster's keys j. */
    private static void fillUnionBias(Scratch s, UnionCounts union, int b, int nk, int first, int count,
            int clusterKeys, int keyCount, float[] logCount) {
        float[] bias = s.bias();
        for (int t = 0; t < count; t++) {
            int i = s.queries()[first + t];
            int base = t * keyCount;
            for (int j = 0; j < clusterKeys; j++) {
                bias[base + j] = -logCount[union.count(b, i, s.keyRows()[j] - b * nk)];
            }
            for (int j = clusterKeys; j < keyCount; j++) {
                bias[base + j] = -logCount[union.hashes()];
            }
        }
    }
}
