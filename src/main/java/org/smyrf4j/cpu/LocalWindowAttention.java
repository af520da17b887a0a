package org.smyrf4j.cpu;

import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/**
 * Local window (an extension beyond SPEC.md, see docs/kernels.md "Local window"): one more round
 * after the H hash rounds in which query i attends to the keys j with {@code |i - j| <= w} that
 * are valid and not global. Its o and lse go to the same {@link RoundCombine} as a hash round's,
 * so plain SMYRF mixes it in by its log-sum-exp; with the union softmax, {@code n_ij} counts the
 * window as one more key set (see {@link ClusterAttention}), and the output is the softmax over
 * the union of the clusters, the global keys and the window, each key once.
 *
 * <p>Why: many heads of pre-trained encoders attend to their neighbouring tokens, which a hash of
 * q.k places in the query's cluster only by chance. Self-attention only (Nq == Nk: positions of
 * queries and keys must mean the same token). Cost O(B N w (d + dv)).
 */
final class LocalWindowAttention {

    /** Queries per work item. */
    private static final int ROWS_PER_ITEM = 256;

    private record Scratch(BlockScratch block, int[] keyRows, float[] bias) {
    }

    private LocalWindowAttention() {
    }

    /**
     * Adds the window round of every query of every batch row to {@code combine}; call after
     * the hash rounds.
     *
     * @param union n_ij of the hash rounds for the union softmax, or null for plain SMYRF
     * @param logCount log(n) for n = 0..H+1
     */
    static void compute(WorkerPool pool, BlockAttention kernel, AttentionInputs inputs, int window, float scale,
            GlobalKeys globalKeys, UnionCounts union, float[] logCount, RoundCombine combine) {
        AttentionShape shape = inputs.shape();
        int nq = shape.queryLen();
        int nk = shape.keyLen();
        int dv = shape.valueDim();
        int itemsPerRow = XboxHashing.ceilDiv(nq, ROWS_PER_ITEM);
        int maxKeys = 2 * window + 1;
        pool.run(shape.batch() * itemsPerRow,
                () -> new Scratch(new BlockScratch(shape.dim(), dv, scale, kernel.widthFor(1)), new int[maxKeys],
                        union == null ? null : new float[maxKeys]),
                (item, s) -> {
                    int b = item / itemsPerRow;
                    int first = item % itemsPerRow * ROWS_PER_ITEM;
                    for (int i = first, end = Math.min(nq, first + ROWS_PER_ITEM); i < end; i++) {
                        int keyCount = 0;
                        for (int j = Math.max(0, i - window), last = Math.min(nk - 1, i + window); j <= last; j++) {
                            if (inputs.isKeyValid(b, j) && !globalKeys.isGlobal(b, j)) {
                                if (union != null) {
                                    s.bias()[keyCount] = -logCount[union.count(b, i, j) + 1];
                                }
                                s.keyRows()[keyCount++] = b * nk + j;
                            }
                        }
                        if (keyCount == 0) {
                            continue;
                        }
                        BlockScratch block = s.block();
                        block.startBlock(1, kernel.widthFor(1));
                        block.putQuery(inputs.q(), b * nq + i, 0);
                        kernel.attend(inputs.k(), inputs.v(), s.keyRows(), keyCount, block, s.bias());
                        combine.add(b * nq + i, block.acc, 0, block.lse[0]);
                    }
                });
    }
}
