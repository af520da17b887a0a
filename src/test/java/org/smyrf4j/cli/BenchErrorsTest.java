package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.cuda.CudaProbe;

/**
 * Bad options to {@code bench} end in exit code 2 (3 for a backend that cannot run here) and
 * exactly one stderr line naming the option and value, before any engine starts.
 */
class BenchErrorsTest {

    @TempDir
    Path dir;

    @Test
    void zeroLength() {
        assertUsageError(bench("--lengths", "1024,0"), "--lengths must be > 0, got 0");
    }

    @Test
    void lengthThatIsNotASize() {
        assertUsageError(bench("--lengths", "1k,abc"), "--lengths", "'abc' is not a size");
    }

    @Test
    void zeroHashes() {
        assertUsageError(bench("--hashes", "0"), "--hashes must be > 0, got 0");
    }

    @Test
    void negativeCluster() {
        assertUsageError(bench("--cluster", "64,-4"), "--cluster must be > 0, got -4");
    }

    @Test
    void zeroBatch() {
        assertUsageError(bench("--batch", "0"), "--batch must be > 0, got 0");
    }

    @Test
    void zeroDim() {
        assertUsageError(bench("--dim", "0"), "--dim must be > 0, got 0");
    }

    @Test
    void zeroRepeats() {
        assertUsageError(bench("--repeats", "0"), "--repeats must be > 0, got 0");
    }

    @Test
    void negativeWarmup() {
        assertUsageError(bench("--warmup", "-1"), "--warmup must be >= 0, got -1");
    }

    @Test
    void negativeDenseBudget() {
        assertUsageError(bench("--dense-budget", "-1"), "--dense-budget must be finite and >= 0, got -1.0");
    }

    @Test
    void shapeTooLargeForAnArray() {
        assertUsageError(bench("--lengths", "1048576", "--batch", "64"), "--batch 64 x --lengths 1048576 x --dim 64",
                "too large");
    }

    @Test
    void plotThatIsNotAPng() {
        assertUsageError(bench("--plot", dir.resolve("sweep.jpg").toString()), "--plot must name a .png file",
                "sweep.jpg");
    }

    @Test
    void csvInAMissingFolder() {
        Path csv = dir.resolve("missing").resolve("bench.csv");
        assertUsageError(bench("--csv", csv.toString()), "--csv", "does not exist");
        assertFalse(Files.exists(csv));
    }

    @Test
    void csvThatIsAFolder() {
        assertUsageError(bench("--csv", dir.toString()), "--csv", "is a folder");
    }

    @Test
    void unknownBackend() {
        assertUsageError(bench("--backend", "gpu"), "backend must be auto, cpu or cuda, got 'gpu'");
    }

    @Test
    void unknownTensorCoreChoice() {
        assertUsageError(bench("--tensor-cores", "Maybe"), "--tensor-cores must be off, on or both, got 'maybe'");
    }

    @Test
    void tensorCoresOnTheCpu() {
        assertUsageError(bench("--tensor-cores", "both", "--lengths", "64"),
                "--tensor-cores on or both needs the CUDA backend; this bench runs on cpu");
    }

    @Test
    void unknownOption() {
        assertUsageError(bench("--sizes", "1024"), "Unknown option", "--sizes", "smyrf4j bench --help");
    }

    @Test
    void cudaRequestedWithoutUsableGpu() {
        assumeFalse(CudaProbe.probe().usable(), "a usable GPU is present: --backend cuda runs");
        CliRun run = CliRun.of("bench", "--backend", "cuda", "--lengths", "64");
        assertEquals(Main.EXIT_UNAVAILABLE, run.exitCode(), run::toString);
        assertOneErrorLine(run, "CUDA backend requested but unavailable");
    }

    /** bench on the CPU with {@code options} added. */
    private static CliRun bench(String... options) {
        List<String> args = new ArrayList<>(List.of("bench"));
        args.addAll(List.of(options));
        if (!args.contains("--backend")) {
            args.addAll(List.of("--backend", "cpu"));
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertUsageError(CliRun run, String... expected) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run::toString);
        assertOneErrorLine(run, expected);
    }

    private static void assertOneErrorLine(CliRun run, String... expected) {
        run.assertOneErrorLine(expected);
        assertEquals("", run.out(), () -> "nothing on stdout after a failure: " + run);
    }
}
