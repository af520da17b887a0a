package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.cuda.CudaProbe;
import org.smyrf4j.io.NpyArrays;

/**
 * Every bad input to {@code attend} ends in exit code 2 (3 for a backend that cannot run here)
 * and exactly one stderr line that names the problem, with no stack trace and no output file.
 */
class AttendErrorsTest {

    private static final int NQ = 8;
    private static final int NK = 8;
    private static final int D = 4;
    private static final int DV = 3;

    @TempDir
    Path dir;

    private Path q;
    private Path k;
    private Path v;
    private Path out;

    @BeforeEach
    void writeValidInputs() {
        q = floats("q.npy", 1, NQ, D);
        k = floats("k.npy", 1, NK, D);
        v = floats("v.npy", 1, NK, DV);
        out = dir.resolve("out.npy");
    }

    @Test
    void missingFile() {
        assertUsageError(attend("--q", dir.resolve("nope.npy").toString()), "--q file not found", "nope.npy");
    }

    @Test
    void float64Query() throws Exception {
        Path q64 = dir.resolve("q64.npy");
        NpyFile.write(q64, new double[NQ * D], new int[] {1, NQ, D});
        assertUsageError(attend("--q", q64.toString()), "--q must be float32, got float64", "q64.npy");
    }

    @Test
    void int32Keys() throws Exception {
        Path k32 = dir.resolve("k32.npy");
        NpyFile.write(k32, new int[NK * D], new int[] {1, NK, D});
        assertUsageError(attend("--k", k32.toString()), "--k must be float32, got int32");
    }

    @Test
    void queryOfRankFour() {
        assertUsageError(attend("--q", floats("q4.npy", 1, 1, NQ, D).toString()), "--q", "rank 4", "(1, 1, 8, 4)");
    }

    @Test
    void keysOfOtherRankThanQueries() {
        assertUsageError(attend("--k", floats("k2.npy", NK, D).toString()),
                "--k has rank 2 but --q has rank 3", "(8, 4)", "(1, 8, 4)");
    }

    @Test
    void dimensionsDisagree() {
        assertUsageError(attend("--k", floats("k5.npy", 1, NK, D + 1).toString()),
                "disagree on dim", "(1, 8, 4)", "(1, 8, 5)");
    }

    @Test
    void batchesDisagree() {
        assertUsageError(attend("--v", floats("v2.npy", 2, NK, DV).toString()),
                "disagree on batch", "(1, 8, 4)", "(2, 8, 3)");
    }

    @Test
    void keyAndValueLengthsDisagree() {
        assertUsageError(attend("--v", floats("v9.npy", 1, NK + 1, DV).toString()),
                "disagree on keyLen", "(1, 8, 4)", "(1, 9, 3)");
    }

    @Test
    void emptyDimension() throws Exception {
        Path empty = dir.resolve("empty.npy");
        NpyFile.write(empty, new float[0], new int[] {1, 0, D});
        assertUsageError(attend("--q", empty.toString()), "--q has an empty dimension", "(1, 0, 4)");
    }

    @Test
    void maskOfWrongShape() throws Exception {
        Path mask = dir.resolve("mask.npy");
        NpyFile.write(mask, new byte[NK - 1], new int[] {1, NK - 1});
        assertUsageError(attend("--key-valid", mask.toString()), "--key-valid must be (batch, keyLen) = (1, 8)",
                "(1, 7)");
    }

    @Test
    void maskOfWrongDtype() {
        assertUsageError(attend("--key-valid", floats("maskf.npy", 1, NK).toString()),
                "--key-valid must be uint8 or bool, got float32");
    }

    @Test
    void projectionsOfWrongRows() {
        assertUsageError(attend("--projections", floats("a.npy", D, 2).toString()),
                "--projections must be (dim+2, hashes) = (6, H)", "(4, 2)");
    }

    @Test
    void hashesConflictingWithProjections() {
        assertUsageError(attend("--projections", floats("a.npy", D + 2, 2).toString(), "--hashes", "3"),
                "--hashes 3 conflicts with --projections", "2 columns");
    }

    @Test
    void clusterCountsThatCannotAgree() {
        assertUsageError(attend("--query-cluster", "4", "--key-cluster", "2"), "cluster counts cannot agree");
    }

    @Test
    void zeroHashes() {
        assertUsageError(attend("--hashes", "0"), "--hashes must be > 0, got 0");
    }

    @Test
    void negativeQueryCluster() {
        assertUsageError(attend("--query-cluster", "-1"), "--query-cluster must be > 0, got -1");
    }

    @Test
    void zeroScale() {
        assertUsageError(attend("--scale", "0"), "--scale must be finite and > 0, got 0.0");
    }

    @Test
    void nanScale() {
        assertUsageError(attend("--scale", "NaN"), "--scale must be finite and > 0, got NaN");
    }

    @Test
    void nanInQueries() {
        float[] data = values(NQ * D);
        data[5] = Float.NaN;
        Path qNan = dir.resolve("qnan.npy");
        NpyArrays.writeFloat(qNan, data, 1, NQ, D);
        assertUsageError(attend("--q", qNan.toString()), "q must be finite, got NaN at index 5");
    }

    @Test
    void infinityInValues() {
        float[] data = values(NK * DV);
        data[2] = Float.POSITIVE_INFINITY;
        Path vInf = dir.resolve("vinf.npy");
        NpyArrays.writeFloat(vInf, data, 1, NK, DV);
        assertUsageError(attend("--v", vInf.toString()), "v must be finite, got Infinity at index 2");
    }

    @Test
    void unknownMode() {
        assertUsageError(attend("--mode", "fast"), "mode must be smyrf, dense or auto, got 'fast'", "--help");
    }

    @Test
    void unknownBackend() {
        assertUsageError(attend("--backend", "tpu"), "backend must be auto, cpu or cuda, got 'tpu'", "--help");
    }

    @Test
    void unknownOption() {
        assertUsageError(attend("--heads", "2"), "Unknown option", "--heads", "smyrf4j attend --help");
    }

    @Test
    void missingRequiredOption() {
        assertUsageError(CliRun.of("attend", "--q", q.toString()), "Missing required option", "--k");
    }

    @Test
    void notANumber() {
        assertUsageError(attend("--hashes", "four"), "--hashes", "four");
    }

    @Test
    void missingCommand() {
        assertUsageError(CliRun.of(), "missing command");
    }

    @Test
    void unknownCommand() {
        assertUsageError(CliRun.of("attention"), "attention");
    }

    @Test
    void cudaRequestedWithoutUsableGpu() {
        assumeFalse(CudaProbe.probe().usable(), "a usable GPU is present: --backend cuda runs");
        CliRun run = attend("--backend", "cuda");
        assertEquals(Main.EXIT_UNAVAILABLE, run.exitCode(), run::toString);
        assertOneErrorLine(run, "CUDA backend requested but unavailable", CudaProbe.probe().reason());
    }

    /** attend on the valid inputs, with {@code overrides} replacing or adding options. */
    private CliRun attend(String... overrides) {
        List<String> args = new ArrayList<>(List.of("attend", "--q", q.toString(), "--k", k.toString(),
                "--v", v.toString(), "--out", out.toString()));
        for (int i = 0; i < overrides.length; i += 2) {
            int at = args.indexOf(overrides[i]);
            if (at >= 0 && i + 1 < overrides.length) {
                args.set(at + 1, overrides[i + 1]);
            } else {
                args.add(overrides[i]);
                if (i + 1 < overrides.length) {
                    args.add(overrides[i + 1]);
                }
            }
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    private void assertUsageError(CliRun run, String... expected) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run::toString);
        assertOneErrorLine(run, expected);
    }

    private void assertOneErrorLine(CliRun run, String... expected) {
        run.assertOneErrorLine(expected);
        assertFalse(Files.exists(out), "no output file after a failure");
    }

    private Path floats(String name, int... shape) {
        Path path = dir.resolve(name);
        NpyArrays.writeFloat(path, values(Arrays.stream(shape).reduce(1, (a, b) -> a * b)), shape);
        return path;
    }

    /** Small distinct finite values. */
    private static float[] values(int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) Math.sin(0.7 * i + 0.3);
        }
        return data;
    }
}
