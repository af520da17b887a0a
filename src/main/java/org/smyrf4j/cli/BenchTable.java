package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table {@code bench} prints: one row per result, "-" where a column does not apply. */
final class BenchTable {

    private static final String[] HEADER = {"backend", "mode", "B", "N", "d", "H", "C", "median ms", "min ms",
        "max ms", "peak", "MAE vs dense"};
    private static final String[] FLOOR_HEADER = {"floor ms", "x floor"};
    /** Columns before this one are text (left-aligned); the rest numbers (right-aligned). */
    private static final int FIRST_NUMBER = 2;

    private BenchTable() {
    }

    static void print(PrintWriter out, List<BenchResult> results, boolean withFloor) {
        List<String[]> cells = new ArrayList<>();
        cells.add(withFloor ? concat(HEADER, FLOOR_HEADER) : HEADER);
        for (BenchResult r : results) {
            BenchCase c = r.benchCase();
            String[] row = {
                r.backend(),
                c.modeLabel(),
                Integer.toString(c.batch()),
                Integer.toString(c.length()),
                Integer.toString(c.dim()),
                c.isDense() ? "-" : Integer.toString(c.hashes()),
                c.isDense() ? "-" : Integer.toString(c.cluster()),
                fixed(r.medianMs()),
                fixed(r.minMs()),
                fixed(r.maxMs()),
                r.peakBytes() < 0 ? "-" : WorkingMemory.text(r.peakBytes()),
                Double.isNaN(r.meanAbsError()) ? "-" : String.format(Locale.ROOT, "%.3g", r.meanAbsError())};
            if (withFloor) {
                row = concat(row, new String[] {
                    Double.isNaN(r.floorMs()) ? "-" : fixed(r.floorMs()),
                    Double.isNaN(r.timeOverFloor()) ? "-" : String.format(Locale.ROOT, "%.1f", r.timeOverFloor())});
            }
            cells.add(row);
        }
        int[] widths = new int[cells.get(0).length];
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                widths[c] = Math.max(widths[c], line[c].length());
            }
        }
        for (String[] line : cells) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < line.length; c++) {
                String format = c < FIRST_NUMBER ? "%-" + widths[c] + "s" : "%" + widths[c] + "s";
                sb.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, format, line[c]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** Three significant digits, at least one decimal: 0.412, 12.3, 1234.5. */
    private static String fixed(double ms) {
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        return String.format(Locale.ROOT, ms >= 10 ? "%.2f" : "%.3f", ms);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
