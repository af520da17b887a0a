package org.smyrf4j.cli;

import java.util.Locale;

/**
 * Decides where {@code bench} runs dense attention: only where its estimated time for the
 * case (warm-up and timed calls together) fits a budget in seconds.
 *
 * <p>Time, not memory, is what limits dense here: both engines stream keys through an online
 * softmax and never hold the N x N scores, so dense needs O(B N d) memory like SMYRF, but
 * O(N^2) time. The estimate is the case's attention flops ({@link BenchCase#attentionFlops()})
 * over the rate of the last dense case measured in this run; before the first one, a rate the
 * backend is sure to reach ({@link BenchBackend#assumedDenseFlopsPerSecond()}: a deliberately
 * low {@link #ASSUMED_FLOPS_PER_SECOND} on the CPU), so the first (smallest) case runs only when
 * it is cheap even on a slow machine, and the rate is learnt from it.
 */
final class DenseBudget {

    /** Below what any backend reaches (a 2-core CPU does about 20-30 GFLOP/s on dense). */
    static final double ASSUMED_FLOPS_PER_SECOND = 1e9;

    private final double budgetSeconds;
    private double flopsPerSecond;

    DenseBudget(double budgetSeconds) {
        this(budgetSeconds, ASSUMED_FLOPS_PER_SECOND);
    }

    /** A budget whose estimates start from {@code assumedFlopsPerSecond} until a dense case is measured. */
    DenseBudget(double budgetSeconds, double assumedFlopsPerSecond) {
        if (!(budgetSeconds >= 0) || Double.isInfinite(budgetSeconds)) {
            throw new IllegalArgumentException("--dense-budget must be finite and >= 0, got " + budgetSeconds);
        }
        if (!(assumedFlopsPerSecond > 0)) {
            throw new IllegalArgumentException("assumedFlopsPerSecond must be > 0, got " + assumedFlopsPerSecond);
        }
        this.budgetSeconds = budgetSeconds;
        this.flopsPerSecond = assumedFlopsPerSecond;
    }

    /** Estimated seconds of {@code calls} calls of the dense case {@code c}. */
    double estimateSeconds(BenchCase c, int calls) {
        return c.attentionFlops() * calls / flopsPerSecond;
    }

    boolean fits(BenchCase c, int calls) {
        return estimateSeconds(c, calls) <= budgetSeconds;
    }

    /** Learns the rate from a dense case's median time. */
    void observe(BenchCase c, double medianMs) {
        if (medianMs > 0) {
            flopsPerSecond = c.attentionFlops() / (medianMs * 1e-3);
        }
    }

    /** Why a case was skipped: "dense B=8 N=16384 d=64 skipped: estimated 150 s > --dense-budget 60 s". */
    String skipReason(BenchCase c, int calls) {
        return String.format(Locale.ROOT, "%s skipped: estimated %.0f s for %d calls > --dense-budget %.0f s",
                c.text(), estimateSeconds(c, calls), calls, budgetSeconds);
    }
}
