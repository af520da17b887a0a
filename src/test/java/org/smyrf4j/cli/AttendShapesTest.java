package org.smyrf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smyrf4j.io.NpyArrays;
import org.smyrf4j.io.NpyArrays.FloatTensor;

/** Unbatched (2-D) inputs give a 2-D output equal to the batched call's only batch row. */
class AttendShapesTest {

    // Odd sizes on purpose: nothing divides evenly.
    private static final int NQ = 10;
    private static final int NK = 13;
    private static final int D = 7;
    private static final int DV = 5;

    @TempDir
    Path dir;

    @Test
    void twoDimensionalRoundTrip() throws Exception {
        float[] q = values(NQ * D, 0.3);
        float[] k = values(NK * D, 1.1);
        float[] v = values(NK * DV, 2.7);
        write("q2.npy", q, NQ, D);
        write("k2.npy", k, NK, D);
        write("v2.npy", v, NK, DV);
        write("q3.npy", q, 1, NQ, D);
        write("k3.npy", k, 1, NK, D);
        write("v3.npy", v, 1, NK, DV);
        byte[] mask = new byte[NK];
        java.util.Arrays.fill(mask, (byte) 1);
        mask[3] = 0;
        NpyFile.write(dir.resolve("m1.npy"), mask, new int[] {NK});
        NpyFile.write(dir.resolve("m2.npy"), mask, new int[] {1, NK});

        FloatTensor flat = attend("2", "m1.npy");
        FloatTensor rowMask = attend("2", "m2.npy");
        FloatTensor batched = attend("3", "m2.npy");

        assertArrayEquals(new int[] {NQ, DV}, flat.shape(), "2-D in, 2-D out");
        assertArrayEquals(new int[] {1, NQ, DV}, batched.shape(), "3-D in, 3-D out");
        assertArrayEquals(batched.data(), flat.data(), "same values either way");
        assertArrayEquals(flat.data(), rowMask.data(), "mask (Nk) and (1, Nk) mean the same");
    }

    private FloatTensor attend(String rank, String mask) {
        Path out = dir.resolve("out" + rank + "-" + mask);
        CliRun run = CliRun.of("attend", "--q", dir.resolve("q" + rank + ".npy").toString(),
                "--k", dir.resolve("k" + rank + ".npy").toString(), "--v", dir.resolve("v" + rank + ".npy").toString(),
                "--key-valid", dir.resolve(mask).toString(), "--hashes", "2", "--query-cluster", "5",
                "--backend", "cpu", "--out", out.toString());
        assertEquals(Main.EXIT_OK, run.exitCode(), run::toString);
        assertTrue(run.err().contains("B=1 Nq=10 Nk=13 d=7 dv=5"), run::toString);
        return NpyArrays.readFloat("out", out);
    }

    private void write(String name, float[] data, int... shape) {
        NpyArrays.writeFloat(dir.resolve(name), data, shape);
    }

    private static float[] values(int n, double phase) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) Math.sin(0.37 * i + phase);
        }
        return a;
    }
}
