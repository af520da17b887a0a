package org.smyrf4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rows of {@code bench --csv}: one per (backend, case), times in milliseconds, memory in
 * bytes. A field that does not apply or was not measured is empty: hashes and cluster of
 * dense rows, mean_abs_err of dense rows and of SMYRF rows whose dense case did not run,
 * peak_bytes where the backend cannot measure it. SMYRF on the CUDA engine's tensor cores has
 * mode {@code smyrf-tc}.
 */
final class BenchCsv {

    static final String HEADER =
            "backend,mode,batch,length,dim,hashes,cluster,median_ms,min_ms,max_ms,peak_bytes,mean_abs_err";

    private BenchCsv() {
    }

    static List<String> lines(List<BenchResult> results) {
        List<String> lines = new ArrayList<>(results.size() + 1);
        lines.add(HEADER);
        for (BenchResult r : results) {
            BenchCase c = r.benchCase();
            lines.add(String.join(",",
                    r.backend(),
                    c.modeLabel(),
                    Integer.toString(c.batch()),
                    Integer.toString(c.length()),
                    Integer.toString(c.dim()),
                    c.isDense() ? "" : Integer.toString(c.hashes()),
                    c.isDense() ? "" : Integer.toString(c.cluster()),
                    millis(r.medianMs()),
                    millis(r.minMs()),
                    millis(r.maxMs()),
                    r.peakBytes() < 0 ? "" : Long.toString(r.peakBytes()),
                    Double.isNaN(r.meanAbsError()) ? "" : String.format(Locale.ROOT, "%.6g", r.meanAbsError())));
        }
        return lines;
    }

    static void write(Path file, List<BenchResult> results) {
        try {
            Files.write(file, lines(results), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write --csv " + file + ": " + e.getMessage(), e);
        }
    }

    /** Microsecond resolution: more than either clock gives. */
    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%.3f", ms);
    }
}
