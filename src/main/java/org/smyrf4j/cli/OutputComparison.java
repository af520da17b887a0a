package org.smyrf4j.cli;

import java.util.function.IntPredicate;

/**
 * How far one attention output is from another, row by row. Outputs are (rows, width) row-major
 * with rows = B x Nq; rows the predicate rejects (padded queries) are left out.
 *
 * @param meanAbsError   mean |a - b| over the counted elements
 * @param maxAbsError    the largest |a - b|
 * @param rowsWithin     counted rows whose largest |a - b| is within the tolerance
 * @param rowsCounted    rows compared
 * @param firstBad       the flat index of the first element outside the tolerance in a counted row, or -1
 */
record OutputComparison(double meanAbsError, double maxAbsError, int rowsWithin, int rowsCounted, int firstBad) {

    static OutputComparison of(float[] a, float[] b, int width, double rowTolerance, IntPredicate countsRow) {
        if (a.length != b.length || a.length % width != 0) {
            throw new IllegalArgumentException("outputs differ in size: " + a.length + " vs " + b.length
                    + " values of width " + width);
        }
        double sum = 0;
        double max = 0;
        int within = 0;
        int counted = 0;
        int firstBad = -1;
        for (int row = 0; row < a.length / width; row++) {
            if (!countsRow.test(row)) {
                continue;
            }
            double rowMax = 0;
            for (int i = row * width; i < (row + 1) * width; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                sum += d;
                rowMax = Math.max(rowMax, d);
                if (d > rowTolerance && firstBad < 0) {
                    firstBad = i;
                }
            }
            max = Math.max(max, rowMax);
            counted++;
            if (rowMax <= rowTolerance) {
                within++;
            }
        }
        double mean = counted == 0 ? 0 : sum / ((double) counted * width);
        return new OutputComparison(mean, max, within, counted, firstBad);
    }

    /** Every row counts. */
    static OutputComparison of(float[] a, float[] b, int width, double rowTolerance) {
        return of(a, b, width, rowTolerance, row -> true);
    }

    double fractionWithin() {
        return rowsCounted == 0 ? 1 : rowsWithin / (double) rowsCounted;
    }
}
