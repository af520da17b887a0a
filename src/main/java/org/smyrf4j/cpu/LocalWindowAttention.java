package org.smyrf4j.cpu;

import java.util.Arrays;
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
 *
 * <p>How: a block of T consecutive queries shares the key span {@code [i0 - w, i0 + T - 1 + w]},
 * and a logit bias of -infinity hides the keys outside each query's own window (their
 * exponentials are exactly 0, see {@link FastExp}). T is about 2w + 1, so the block computes
 * about twice the logits it keeps but fills the kernel's vector lanes. A query without any key
 * in its window (all masked or global) sends nothing to the combine, as a round with lse = -inf.
 */
final class LocalWindowAttention {

    private record Scratch(BlockScratch block, int[] keyRows, int[] keyIndex, float[] bias, boolean[] seen,
            long[] querySignature, long[] keySignatures) {
    }

    /** Where a trace keeps the window round: slot {@code round} of (rounds, B, Nq, dv) and (rounds, B, Nq). */
    private record Trace(float[] outputs, float[] lse, int round) {
    }

    /** What every block of one call shares. */
    private record Stage(BlockAttention kernel, AttentionInputs inputs, int window, GlobalKeys globalKeys,
            UnionCounts union, float[] logCount, RoundCombine combine, Trace trace) {
    }

    private LocalWindowAttention() {
    }

    /**
     * Adds the window round of every query of every batch row to {@code combine}; call after
     * the hash rounds.
     *
     * @param union n_ij of the hash rounds for the union softmax, or null for plain SMYRF
     * @param logCount log(n) for n = 0..H+1
     * @param roundOutputs (H+1, B, Nq, dv) of a trace, whose slot {@code round} this fills, or null
     * @param roundLse (H+1, B, Nq) of a trace (-inf where a query has no key in its window), or null
     */
    static void compute(WorkerPool pool, BlockAttention kernel, AttentionInputs inputs, int window, float scale,
            GlobalKeys globalKeys, UnionCounts union, float[] logCount, RoundCombine combine, float[] roundOutputs,
            float[] roundLse, int round) {
        Trace trace = roundOutputs == null ? null : new Trace(roundOutputs, roundLse, round);
        Stage stage = new Stage(kernel, inputs, window, globalKeys, union, logCount, combine, trace);
        AttentionShape shape = inputs.shape();
        int nq = shape.queryLen();
        int block = blockWidth(kernel, window);
        int blocksPerRow = XboxHashing.ceilDiv(nq, block);
        int maxKeys = block + 2 * window;
        pool.run(shape.batch() * blocksPerRow,
                () -> new Scratch(new BlockScratch(shape.dim(), shape.valueDim(), scale, block), new int[maxKeys],
                        new int[maxKeys], new float[block * maxKeys], new boolean[block],
                        union == null ? null : new long[union.words()],
                        union == null ? null : new long[union.words() * maxKeys]),
                (item, s) -> {
                    int first = item % blocksPerRow * block;
                    block(stage, item / blocksPerRow, first, Math.min(block, nq - first), s);
                });
    }

    /** Queries per block: 2w + 1 rounded up to the kernel's lanes, at most its block capacity. */
    static int blockWidth(BlockAttention kernel, int window) {
        return Math.min(kernel.blockCapacity(), kernel.widthFor(2 * window + 1));
    }

    /** Queries [first, first + count) of batch row b. */
    private static void block(Stage stage, int b, int first, int count, Scratch s) {
        AttentionInputs inputs = stage.inputs();
        int window = stage.window();
        UnionCounts union = stage.union();
        Trace trace = stage.trace();
        int nq = inputs.shape().queryLen();
        int nk = inputs.shape().keyLen();
        int dv = inputs.shape().valueDim();
        if (trace != null) {
            // o = 0, lse = -inf until a query's window result replaces them (SPEC step 6's rule).
            int row = (trace.round() * inputs.shape().batch() + b) * nq + first;
            Arrays.fill(trace.lse(), row, row + count, Float.NEGATIVE_INFINITY);
        }
        int keyCount = 0;
        for (int j = Math.max(0, first - window), last = Math.min(nk - 1, first + count - 1 + window); j <= last; j++) {
            if (inputs.isKeyValid(b, j) && !stage.globalKeys().isGlobal(b, j)) {
                s.keyIndex()[keyCount] = j;
                s.keyRows()[keyCount++] = b * nk + j;
            }
        }
        if (keyCount == 0) {
            return;
        }
        if (union != null) {
            for (int p = 0; p < keyCount; p++) {
                union.keySignature(b, s.keyIndex()[p], s.keySignatures(), p);
            }
        }
        float[] bias = s.bias();
        // seen[t]: query first + t has a key in its window.
        boolean[] seen = s.seen();
        for (int t = 0; t < count; t++) {
            int i = first + t;
            seen[t] = false;
            if (union != null) {
                union.querySignature(b, i, s.querySignature());
            }
            for (int p = 0; p < keyCount; p++) {
                int j = s.keyIndex()[p];
                float value = Float.NEGATIVE_INFINITY;
                if (Math.abs(i - j) <= window) {
                    value = union == null ? 0f
                            : -stage.logCount()[union.sharedRounds(s.querySignature(), s.keySignatures(), p) + 1];
                    seen[t] = true;
                }
                bias[t * keyCount + p] = value;
            }
        }
        BlockScratch scratch = s.block();
        BlockAttention kernel = stage.kernel();
        scratch.startBlock(count, kernel.widthFor(count));
        for (int t = 0; t < count; t++) {
            scratch.putQuery(inputs.q(), b * nq + first + t, t);
        }
        kernel.attend(inputs.k(), inputs.v(), s.keyRows(), keyCount, scratch, bias);
        for (int t = 0; t < count; t++) {
            if (seen[t]) {
                stage.combine().add(b * nq + first + t, scratch.acc, t * dv, scratch.lse[t]);
                if (trace != null) {
                    int row = (trace.round() * inputs.shape().batch() + b) * nq + first + t;
                    System.arraycopy(scratch.acc, t * dv, trace.outputs(), row * dv, dv);
                    trace.lse()[row] = scratch.lse[t];
                }
            }
        }
    }
}
