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
 *
 * <p>Order of work: batch rows in groups, and for each group the rounds one after the other,
 * each a parallel stage with one work item per (row of the group, cluster). Every query
 * appears in exactly one cluster per round, so each output row is written by one item per
 * round, rounds in order. Why groups: a cluster gathers its queries, keys and values from
 * scattered rows and updates the combine's accumulators at scattered rows, so the stage is
 * bound by cache misses unless a row's Q, K, V and accumulators (16 MiB at N = 16384,
 * d = dv = 64) are still cached from the previous round. Running every round of a small group
 * before the next group keeps them cached; a group is as small as keeps every thread busy
 * ({@link #MIN_ITEMS_PER_THREAD} items each per stage).
 */
final class ClusterAttention {

    /** Stages with fewer items per thread than this leave threads idle at their end. */
    static final int MIN_ITEMS_PER_THREAD = 8;

    /** One worker's scratch: the block buffers, the cluster's member lists and the logit bias. */
    private record Scratch(BlockScratch block, int[] keyRows, int[] queries, float[] bias, long[] querySignature,
            long[] keySignatures) {
    }

    /**
     * The extensions of one call: global keys, n_ij for the union softmax (or null), and the
     * local window w (0: off) that the union softmax counts as one more key set.
     */
    private record Extensions(GlobalKeys globalKeys, UnionCounts union, float[] logCount, int window) {
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
     * @param window the local window w of {@link LocalWindowAttention}, 0 when off; only the union
     *     softmax needs it here (a key in the query's window is in one more key set)
     */
    static void compute(WorkerPool pool, BlockAttention kernel, AttentionInputs inputs, ClusterPlan plan,
            int hashes, float scale, int[] queryOrder, int[] keyOrder, RoundCombine combine, float[] roundOutputs,
            float[] roundLse, GlobalKeys globalKeys, UnionCounts union, int window) {
        AttentionShape shape = inputs.shape();
        int batch = shape.batch();
        int clusters = plan.clusters();
        int maxKeys = plan.keyClusterSize() + globalKeys.maxPerRow();
        Extensions extensions = new Extensions(globalKeys, union, logCounts(hashes + 1), window);
        int groupRows = rowsPerGroup(batch, clusters, pool.threads());
        for (int firstRow = 0; firstRow < batch; firstRow += groupRows) {
            int group = firstRow;
            int rows = Math.min(groupRows, batch - firstRow);
            for (int round = 0; round < hashes; round++) {
                int r = round;
                pool.run(rows * clusters,
                        () -> new Scratch(new BlockScratch(shape.dim(), shape.valueDim(), scale, kernel.blockCapacity()),
                                new int[maxKeys], new int[plan.queryClusterSize()],
                                union == null ? null : new float[kernel.blockCapacity() * maxKeys],
                                union == null ? null : new long[union.words()],
                                union == null ? null : new long[union.words() * maxKeys]),
                        (item, s) -> cluster(kernel, inputs, plan, r, group + item / clusters, item % clusters,
                                queryOrder, keyOrder, combine, roundOutputs, roundLse, extensions, s));
            }
        }
    }

    /**
     * log(n) for n = 0..max (index 0 unused): log(H) for a global key (in every cluster of every
     * round), log(n_ij) otherwise.
     */
    static float[] logCounts(int max) {
        float[] logCount = new float[max + 1];
        for (int n = 1; n <= max; n++) {
            logCount[n] = (float) StrictMath.log(n);
        }
        return logCount;
    }

    /** Batch rows per group: enough clusters to give every thread its items, at most all rows. */
    static int rowsPerGroup(int batch, int clusters, int threads) {
        long wanted = ((long) MIN_ITEMS_PER_THREAD * threads + clusters - 1) / clusters;
        return (int) Math.max(1, Math.min(batch, wanted));
    }

    /** Cluster c of round r in batch row b. */
    private static void cluster(BlockAttention kernel, AttentionInputs inputs, ClusterPlan plan, int r, int b, int c,
            int[] queryOrder, int[] keyOrder, RoundCombine combine, float[] roundOutputs, float[] roundLse,
            Extensions extensions, Scratch s) {
        AttentionShape shape = inputs.shape();
        int nq = shape.queryLen();
        int nk = shape.keyLen();
        int dv = shape.valueDim();
        int cq = plan.queryClusterSize();
        int ck = plan.keyClusterSize();
        int segment = r * shape.batch() + b;
        int keyCount = 0;
        for (int p = segment * plan.paddedKeyLen() + c * ck, end = p + ck; p < end; p++) {
            int j = keyOrder[p];
            if (j < nk && inputs.isKeyValid(b, j) && !extensions.globalKeys().isGlobal(b, j)) {
                s.keyRows()[keyCount++] = b * nk + j;
            }
        }
        int clusterKeys = keyCount;
        for (int j : extensions.globalKeys().ofRow(b)) {
            s.keyRows()[keyCount++] = b * nk + j;
        }
        int queryCount = 0;
        for (int p = segment * plan.paddedQueryLen() + c * cq, end = p + cq; p < end; p++) {
            int i = queryOrder[p];
            if (i < nq) {
                s.queries()[queryCount++] = i;
            }
        }
        float[] q = inputs.q();
        BlockScratch block = s.block();
        block.touchRows(inputs.k(), s.keyRows(), keyCount, shape.dim());
        block.touchRows(inputs.v(), s.keyRows(), keyCount, dv);
        for (int first = 0; first < queryCount; first += block.capacity) {
            int count = Math.min(block.capacity, queryCount - first);
            block.startBlock(count, kernel.widthFor(count));
            for (int t = 0; t < count; t++) {
                block.putQuery(q, b * nq + s.queries()[first + t], t);
            }
            if (extensions.union() != null) {
                fillUnionBias(s, extensions, b, nk, first, count, clusterKeys, keyCount);
            }
            kernel.attend(inputs.k(), inputs.v(), s.keyRows(), keyCount, block, s.bias());
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
    }

    /**
     * bias[t * keyCount + j] = -log n_ij for the block's queries t and the cluster's keys j; a key
     * in the query's local window counts once more (it is in the window's key set too).
     */
    private static void fillUnionBias(Scratch s, Extensions extensions, int b, int nk, int first, int count,
            int clusterKeys, int keyCount) {
        float[] bias = s.bias();
        UnionCounts union = extensions.union();
        float[] logCount = extensions.logCount();
        int window = extensions.window();
        for (int j = 0; j < clusterKeys; j++) {
            union.keySignature(b, s.keyRows()[j] - b * nk, s.keySignatures(), j);
        }
        for (int t = 0; t < count; t++) {
            int i = s.queries()[first + t];
            union.querySignature(b, i, s.querySignature());
            int base = t * keyCount;
            for (int j = 0; j < clusterKeys; j++) {
                int n = union.sharedRounds(s.querySignature(), s.keySignatures(), j);
                if (window > 0 && Math.abs(i - (s.keyRows()[j] - b * nk)) <= window) {
                    n++;
                }
                bias[base + j] = -logCount[n];
            }
            for (int j = clusterKeys; j < keyCount; j++) {
                bias[base + j] = -logCount[union.hashes()];
            }
        }
    }
}
