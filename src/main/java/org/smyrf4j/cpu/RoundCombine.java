package org.smyrf4j.cpu;

import java.util.Arrays;

/**
 * SPEC step 7, {@code out(i) = sum_r w_r o_r(i)} with {@code w_r = exp(lse_r - logsumexp_r' lse_r')},
 * accumulated online as the rounds arrive (round 0 first), so that no (H, B, Nq, dv) buffer of
 * round outputs is needed. Per query row, with running maximum m, weight sum s, accumulator a:
 * <pre>
 *   round r with lse_r = -inf:   nothing (weight 0)
 *   first finite round:          m = lse_r, s = 1, a = o_r
 *   later rounds:                m' = max(m, lse_r), f = exp(m - m'), w = exp(lse_r - m'),
 *                                s = s*f + w,  a[c] = fma(w, o_r[c], a[c]*f),  m = m'
 *   at the end:                  out = a / s, or 0 when every round had lse = -inf
 * </pre>
 * Equal to the SPEC formula up to rounding. Each row receives its rounds in order from one
 * item at a time (rounds are separate stages), so the result is deterministic.
 * Shapes: rows = B * Nq, output (rows, dv).
 */
final class RoundCombine {

    private final int valueDim;
    private final float[] acc;
    private final float[] max;
    private final float[] sum;

    RoundCombine(int rows, int valueDim) {
        this.valueDim = valueDim;
        this.acc = new float[rows * valueDim];
        this.max = new float[rows];
        this.sum = new float[rows];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
    }

    /** Adds round output {@code o[from .. from+dv)} with log-sum-exp {@code lse} to row {@code row}. */
    void add(int row, float[] o, int from, float lse) {
        if (lse == Float.NEGATIVE_INFINITY) {
            return;
        }
        int base = row * valueDim;
        float m = max[row];
        if (m == Float.NEGATIVE_INFINITY) {
            max[row] = lse;
            sum[row] = 1f;
            System.arraycopy(o, from, acc, base, valueDim);
            return;
        }
        float newMax = Math.max(m, lse);
        float f = FastExp.exp(m - newMax);
        float w = FastExp.exp(lse - newMax);
        sum[row] = sum[row] * f + w;
        max[row] = newMax;
        if (f == 1f) {
            for (int c = 0; c < valueDim; c++) {
                acc[base + c] = Math.fma(w, o[from + c], acc[base + c]);
            }
        } else {
            for (int c = 0; c < valueDim; c++) {
                acc[base + c] = Math.fma(w, o[from + c], acc[base + c] * f);
            }
        }
    }

    /** The output (rows, dv); rows that never received a finite lse stay 0. Call once, at the end. */
    float[] finish(WorkerPool pool) {
        int rows = max.length;
        int chunk = 4096;
        pool.run(XboxHashing.ceilDiv(rows, chunk), () -> null, (item, unused) -> {
            for (int row = item * chunk, end = Math.min(rows, row + chunk); row < end; row++) {
                if (max[row] != Float.NEGATIVE_INFINITY) {
                    float s = sum[row];
                    for (int c = row * valueDim, e = c + valueDim; c < e; c++) {
                        acc[c] = acc[c] / s;
                    }
                }
            }
        });
        return acc;
    }
}
