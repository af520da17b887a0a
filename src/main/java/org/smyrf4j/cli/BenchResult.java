package org.smyrf4j.cli;

import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;

/**
 * What {@code bench} measured for one {@link BenchCase}.
 *
 * @param backend      "cpu" or "cuda"
 * @param medianMs     median time of the timed calls (warm-up excluded)
 * @param minMs        fastest timed call
 * @param maxMs        slowest timed call
 * @param peakBytes    memory of one call beyond its inputs, as the backend measures it (see
 *                     {@link BenchBackend#memoryMeaning()}), or -1 where it cannot
 * @param meanAbsError mean |out - dense| over every output element, or NaN where dense did
 *                     not run or the row is dense itself
 * @param floorMs      GPU SMYRF rows: the memory floor's time (see {@link MemoryFloor}), else NaN
 */
record BenchResult(BenchCase benchCase, String backend, double medianMs, double minMs, double maxMs,
        long peakBytes, double meanAbsError, double floorMs) {

    /** A result from the timed calls' milliseconds (Apache Commons Math statistics). */
    static BenchResult of(BenchCase c, String backend, double[] millis, long peakBytes, double meanAbsError,
            double floorMs) {
        if (millis.length == 0) {
            throw new IllegalArgumentException("millis must hold at least one timed call");
        }
        DescriptiveStatistics stats = new DescriptiveStatistics(millis);
        return new BenchResult(c, backend, stats.getPercentile(50), stats.getMin(), stats.getMax(), peakBytes,
                meanAbsError, floorMs);
    }

    /** Measured median over the floor's time, or NaN without a floor. */
    double timeOverFloor() {
        return Double.isNaN(floorMs) || floorMs <= 0 ? Double.NaN : medianMs / floorMs;
    }
}
