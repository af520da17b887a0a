package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.io.NpyArrays;

/**
 * {@code attend --global-keys --union-rounds --local-window}: one cluster plus the extensions is
 * dense attention (the union softmax counts each key once, however many key sets hold it).
 */
class AttendExtensionsTest {

    /** One cluster vs dense over 1024 keys: the same softmax in another key order, float32. */
    private static final float ONE_CLUSTER_TOLERANCE = 1e-5f;

    @TempDir
    Path dir;

    @Test
    void oneClusterWithExtensionsReproducesDense() {
        Path golden = AttendGoldenTest.goldenDir().resolve("base");
        Path out = dir.resolve("out.npy");
        CliRun run = CliRun.of("attend", "--q", golden.resolve("q.npy").toString(),
                "--k", golden.resolve("k.npy").toString(), "--v", golden.resolve("v.npy").toString(),
                "--hashes", "2", "--query-cluster", "1024", "--global-keys", "0,-1", "--union-rounds",
                "--local-window", "3", "--backend", "cpu", "--out", out.toString());
        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        assertTrue(run.err().contains("global keys [0, -1] window 3 union softmax"), run::toString);
        float[] got = NpyArrays.readFloat("out", out).data();
        float[] dense = NpyArrays.readFloat("dense", golden.resolve("dense.npy")).data();
        assertEquals(dense.length, got.length);
        for (int i = 0; i < dense.length; i++) {
            if (!(Math.abs(dense[i] - got[i]) <= ONE_CLUSTER_TOLERANCE)) {
                fail("first difference at " + i + ": dense " + dense[i] + ", got " + got[i]);
            }
        }
    }

    @Test
    void negativeWindowIsAUsageError() {
        Path golden = AttendGoldenTest.goldenDir().resolve("base");
        CliRun run = CliRun.of("attend", "--q", golden.resolve("q.npy").toString(),
                "--k", golden.resolve("k.npy").toString(), "--v", golden.resolve("v.npy").toString(),
                "--local-window", "-2", "--backend", "cpu", "--out", dir.resolve("out.npy").toString());
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--local-window must be >= 0 (0: off), got -2"), run::toString);
    }
}
