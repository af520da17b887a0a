package org.smyrf4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.smyrf4j.BackendKind;
import org.smyrf4j.Mode;

/** The table {@code run} prints: one row per case and mode. */
final class ResultTable {

    /**
     * @param caseName     e.g. "base B=2 N=1024"
     * @param millis       wall time of the one attention call
     * @param meanAbsError against dense attention (0 for the dense reference itself)
     * @param memoryBytes  attention working memory estimate, see {@link WorkingMemory}
     */
    record Row(String caseName, BackendKind backend, Mode mode, double millis, double meanAbsError, long memoryBytes) {
    }

    private static final String[] HEADER = {"case", "backend", "mode", "time (ms)", "MAE vs dense", "memory"};

    private ResultTable() {
    }

    static void print(PrintWriter out, List<Row> rows) {
        String[][] cells = new String[rows.size() + 1][];
        cells[0] = HEADER;
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            cells[r + 1] = new String[] {
                row.caseName(),
                row.backend().name().toLowerCase(Locale.ROOT),
                row.mode().name().toLowerCase(Locale.ROOT),
                String.format(Locale.ROOT, "%.1f", row.millis()),
                row.meanAbsError() == 0 ? "0" : String.format(Locale.ROOT, "%.3g", row.meanAbsError()),
                WorkingMemory.text(row.memoryBytes())};
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                widths[c] = Math.max(widths[c], line[c].length());
            }
        }
        for (String[] line : cells) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < line.length; c++) {
                // Text left-aligned, numbers right-aligned.
                String format = c < 3 ? "%-" + widths[c] + "s" : "%" + widths[c] + "s";
                sb.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, format, line[c]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
