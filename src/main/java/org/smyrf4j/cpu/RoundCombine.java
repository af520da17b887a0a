package org.smyrf4j.cpu;

/**
 * SPEC step 7: the rounds' outputs combined with weights from their log-sum-exps,
 * <pre>
 *   m = max_r lse_r(i),  w_r = exp(lse_r(i) - m) / sum_r' exp(lse_r'(i) - m),
 *   out(i) = sum_r w_r o_r(i)        (r ascending, fma)
 * </pre>
 * which is {@code exp(lse_r - logsumexp_r' lse_r')} without overflow. A query with
 * lse = -infinity in every round gets out = 0. Inputs (H, rows, dv) and (H, rows), output
 * (rows, dv) with rows = B * Nq.
 */
final class RoundCombine {

    /** Rows per work item. */
    private static final int CHUNK = 512;

    private RoundCombine() {
    }

    static float[] combine(WorkerPool pool, float[] roundOutputs, float[] roundLse, int hashes, int rows, int dv) {
        float[] out = new float[rows * dv];
        pool.run(XboxHashing.ceilDiv(rows, CHUNK), () -> new float[hashes], (item, weights) -> {
            for (int row = item * CHUNK, end = Math.min(rows, row + CHUNK); row < end; row++) {
                combineRow(roundOutputs, roundLse, hashes, rows, dv, row, weights, out);
            }
        });
        return out;
    }

    private static void combineRow(float[] roundOutputs, float[] roundLse, int hashes, int rows, int dv, int row,
            float[] weights, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int r = 0; r < hashes; r++) {
            max = Math.max(max, roundLse[r * rows + row]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return; // no round saw a valid key: out stays 0
        }
        float total = 0f;
        for (int r = 0; r < hashes; r++) {
            // StrictMath: the same bits on every JVM, interpreted or compiled.
            weights[r] = (float) StrictMath.exp(roundLse[r * rows + row] - max);
            total += weights[r];
        }
        int o = row * dv;
        for (int r = 0; r < hashes; r++) {
            float w = weights[r] / total;
            int src = (r * rows + row) * dv;
            for (int c = 0; c < dv; c++) {
                out[o + c] = Math.fma(w, roundOutputs[src + c], out[o + c]);
            }
        }
    }
}
