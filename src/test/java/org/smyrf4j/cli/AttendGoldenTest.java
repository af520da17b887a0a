package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/**
 * {@code attend} with a golden case's projections, cluster sizes and scale reproduces the
 * reference output from the command line (shared/golden/README.md's criterion), on the CPU.
 */
class AttendGoldenTest {

    /** shared/golden/README.md: a faithful float32 engine matches a row to 1e-4 (max abs difference). */
    private static final double ROW_TOLERANCE = 1e-4;
    /** ... in at least 99.5% of rows; the rest may tie to rounding at a cluster boundary. */
    private static final double MIN_ROWS = 0.995;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"base", "padding_mask"})
    void reproducesTheReference(String name) throws IOException {
        Path golden = goldenDir().resolve(name);
        String json = Files.readString(golden.resolve("case.json"), StandardCharsets.UTF_8);
        Path out = dir.resolve("out.npy");
        List<String> args = new ArrayList<>(List.of("attend",
                "--q", golden.resolve("q.npy").toString(),
                "--k", golden.resolve("k.npy").toString(),
                "--v", golden.resolve("v.npy").toString(),
                "--projections", golden.resolve("alpha.npy").toString(),
                "--query-cluster", Integer.toString(EmbeddedGoldenCase.intField(json, "query_cluster_size")),
                "--key-cluster", Integer.toString(EmbeddedGoldenCase.intField(json, "key_cluster_size")),
                "--scale", Double.toString(EmbeddedGoldenCase.numberField(json, "scale")),
                "--backend", "cpu",
                "--out", out.toString()));
        Path mask = golden.resolve("key_valid.npy");
        boolean[] keyValid = null;
        if (Files.exists(mask)) {
            args.addAll(List.of("--key-valid", mask.toString()));
            keyValid = NpyArrays.readMask("key_valid", mask).data();
        }

        CliRun run = CliRun.of(args.toArray(String[]::new));

        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().startsWith("attend: cpu"), run::toString);
        FloatTensor got = NpyArrays.readFloat("out", out);
        FloatTensor want = NpyArrays.readFloat("reference", golden.resolve("out.npy"));
        assertArrayEquals(want.shape(), got.shape(), "output shape");
        int batch = want.shape()[0];
        int queryLen = want.shape()[1];
        int width = want.shape()[2];
        boolean[] valid = keyValid;
        // With padding, only the rows of real queries count (query i is real when key i is).
        OutputComparison c = OutputComparison.of(got.data(), want.data(), width, ROW_TOLERANCE,
                row -> valid == null || valid[row]);
        assertTrue(c.fractionWithin() >= MIN_ROWS, () -> name + ": " + c.rowsWithin() + " of " + c.rowsCounted()
                + " rows within " + ROW_TOLERANCE + "; first mismatch at flat index " + c.firstBad()
                + " (b=" + c.firstBad() / width / queryLen + ", i=" + c.firstBad() / width % queryLen + "): got "
                + got.data()[c.firstBad()] + ", reference " + want.data()[c.firstBad()]);
        assertEquals(batch * queryLen, c.rowsCounted() + (valid == null ? 0 : countFalse(valid)));
    }

    static Path goldenDir() {
        return Path.of(System.getProperty("smyrf4j.repo", ".")).resolve("test-data/golden");
    }

    private static int countFalse(boolean[] values) {
        int n = 0;
        for (boolean value : values) {
            n += value ? 0 : 1;
        }
        return n;
    }
}
