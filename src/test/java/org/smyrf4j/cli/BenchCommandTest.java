package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench} on a tiny CPU sweep: the CSV rows, the plot file, the dense budget. */
class BenchCommandTest {

    /** SMYRF with a few clusters against dense on the structured inputs: well below the outputs' scale of ~1. */
    private static final double MAX_PLAUSIBLE_ERROR = 1.0;

    @TempDir
    Path dir;

    @Test
    void writesOneCsvRowPerCaseAndThePlot() throws Exception {
        Path csv = dir.resolve("bench.csv");
        Path png = dir.resolve("sweep.png");

        CliRun run = tinySweep("--csv", csv.toString(), "--plot", png.toString());

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("backend,mode,batch,length,dim,hashes,cluster,median_ms,min_ms,max_ms,peak_bytes,mean_abs_err",
                lines.get(0));
        // Per length: dense, then SMYRF for hashes 2 and clusters 16, 32.
        List<String> expectedCases = List.of("dense,1,64,8,,", "smyrf,1,64,8,2,16", "smyrf,1,64,8,2,32",
                "dense,1,128,8,,", "smyrf,1,128,8,2,16", "smyrf,1,128,8,2,32");
        assertEquals(expectedCases.size() + 1, lines.size(), () -> String.join("\n", lines));
        for (int i = 0; i < expectedCases.size(); i++) {
            String line = lines.get(i + 1);
            String[] f = line.split(",", -1);
            assertEquals(12, f.length, line);
            assertEquals("cpu", f[0], line);
            assertEquals(expectedCases.get(i), String.join(",", List.of(f).subList(1, 7)), line);
            double median = Double.parseDouble(f[7]);
            double min = Double.parseDouble(f[8]);
            double max = Double.parseDouble(f[9]);
            assertTrue(min > 0 && min <= median && median <= max, line);
            assertTrue(Long.parseLong(f[10]) > 0, () -> "peak bytes measured: " + line);
            if (f[1].equals("dense")) {
                assertEquals("", f[11], () -> "dense is the reference, no error of its own: " + line);
            } else {
                double error = Double.parseDouble(f[11]);
                assertTrue(error > 0 && error < MAX_PLAUSIBLE_ERROR, line);
            }
        }
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(BenchPlot.WIDTH, image.getWidth());
        assertEquals(BenchPlot.HEIGHT, image.getHeight());
        assertTrue(run.out().contains("csv: " + csv) && run.out().contains("plot: " + png), run::toString);
        assertTrue(run.out().contains("median ms") && run.out().contains("MAE vs dense"), run::toString);
        assertTrue(run.err().contains("[9/9] smyrf4j bench: smyrf B=1 N=128 d=8 H=2 C=32"), run::toString);
    }

    @Test
    void denseOutsideTheBudgetIsSkippedAndSaidSo() throws Exception {
        Path csv = dir.resolve("smyrf-only.csv");

        CliRun run = tinySweep("--dense-budget", "0", "--csv", csv.toString());

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        List<String> rows = Files.readAllLines(csv).subList(1, 5);
        for (String row : rows) {
            assertTrue(row.startsWith("cpu,smyrf,"), row);
            assertTrue(row.endsWith(","), () -> "no dense, so no error against it: " + row);
        }
        assertTrue(run.out().contains("note: dense B=1 N=64 d=8 skipped: estimated"), run::toString);
        assertTrue(run.out().contains("note: dense B=1 N=128 d=8 skipped: estimated"), run::toString);
    }

    /** Lengths 64 and 128, H=2, clusters 16 and 32, B=1, d=8: about a second after the warm-up. */
    private static CliRun tinySweep(String... extra) {
        List<String> args = new ArrayList<>(List.of("bench", "--backend", "cpu", "--lengths", "64,128",
                "--hashes", "2", "--cluster", "16,32", "--batch", "1", "--dim", "8", "--repeats", "2",
                "--warmup", "1"));
        args.addAll(List.of(extra));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertFalse(run.err().contains("error:"), run::toString);
        return run;
    }
}
