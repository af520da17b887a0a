package org.smyrf4j.cpu;

import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/**
 * Exact attention {@code out = softmax(s Q K^T + mask) V} per batch row, masked keys at
 * -infinity; a query of a row without any valid key gets 0 (SPEC "Dense attention").
 *
 * <p>Never forms the (Nq, Nk) matrix: {@link BlockAttention} streams each block of queries over
 * the row's valid keys in tiles with an online softmax, so memory is O(block x tile). One work
 * item per (row, block of consecutive queries). Every query is computed, including queries
 * that a self-attention mask marks invalid (callers ignore those rows).
 */
final class DenseAttention {

    private DenseAttention() {
    }

    /** @return the output (B, Nq, dv) */
    static float[] compute(WorkerPool pool, BlockAttention kernel, AttentionInputs inputs, float scale) {
        AttentionShape shape = inputs.shape();
        int batch = shape.batch();
        int nq = shape.queryLen();
        int nk = shape.keyLen();
        int d = shape.dim();
        int dv = shape.valueDim();
        float[] q = inputs.q();
        float[] out = new float[batch * nq * dv];

        // The valid keys of each row, as rows of K and V.
        int[][] keyRows = new int[batch][];
        int[] keyCounts = new int[batch];
        for (int b = 0; b < batch; b++) {
            keyRows[b] = new int[nk];
            int n = 0;
            for (int j = 0; j < nk; j++) {
                if (inputs.isKeyValid(b, j)) {
                    keyRows[b][n++] = b * nk + j;
                }
            }
            keyCounts[b] = n;
        }

        int capacity = kernel.blockCapacity();
        int blocksPerRow = XboxHashing.ceilDiv(nq, capacity);
        pool.run(batch * blocksPerRow, () -> new BlockScratch(d, dv, scale, capacity), (item, block) -> {
            int b = item / blocksPerRow;
            int first = (item % blocksPerRow) * capacity;
            int count = Math.min(capacity, nq - first);
            block.startBlock(count, kernel.widthFor(count));
            for (int t = 0; t < count; t++) {
                block.putQuery(q, b * nq + first + t, t);
            }
            kernel.attend(inputs.k(), inputs.v(), keyRows[b], keyCounts[b], block);
            System.arraycopy(block.acc, 0, out, (b * nq + first) * dv, count * dv);
        });
        return out;
    }
}
