package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.smyrf4j.layer.CpuGemm;
import org.smyrf4j.layer.LayerFixtures;

/**
 * gemm.cu's {@code smyrf_linear} on the CPU emulation ({@code smyrf-emu --gemm}, built by
 * {@code make emu}) against {@link CpuGemm} on shapes off the tile sizes in every dimension.
 * The kernel computes each element as the CPU GEMM's chain (bias, then fma over k ascending),
 * so the results must be equal bit for bit, which also catches any stray or missing term.
 */
class EmulatedGemmTest {

    private static final KernelEmulator EMULATOR = KernelEmulator.ofRepository();
    private static CpuGemm cpu;

    /** rows, in, out, bias: partial tiles in rows and columns, partial and several k steps, 1 x 1 x 1. */
    static List<int[]> shapes() {
        return List.of(
                new int[] {37, 45, 29, 1},
                new int[] {130, 19, 131, 1},   // 2 x 2 blocks, each with a partial edge
                new int[] {7, 129, 33, 0},     // 17 k steps, the last one of a single k
                new int[] {1, 1, 1, 1},
                new int[] {3, 5, 257, 0});     // three column blocks, one partial k step
    }

    @BeforeAll
    static void start() {
        assumeTrue(EMULATOR.isBuilt(), "the kernel emulator " + EMULATOR.binary()
                + " is not built (run `make emu`; it needs g++ with C++20)");
        cpu = new CpuGemm(2);
    }

    @AfterAll
    static void stop() {
        if (cpu != null) {
            cpu.close();
        }
    }

    @ParameterizedTest(name = "(rows, in, out, bias) = {0}")
    @MethodSource("shapes")
    void kernelEqualsTheCpuGemmBitForBit(int[] shape, @TempDir Path work) throws IOException {
        int rows = shape[0];
        int in = shape[1];
        int out = shape[2];
        boolean withBias = shape[3] == 1;
        float[] x = LayerFixtures.gaussian(rows * 1000L + in, rows * in);
        float[] w = LayerFixtures.gaussian(out * 1000L + in, out * in);
        float[] bias = withBias ? LayerFixtures.gaussian(out, out) : null;
        float[] want = new float[rows * out];
        cpu.linear(x, rows, in, w, bias, want);

        float[] got = runKernel(work, rows, in, out, x, w, bias);

        assertEquals(want.length, got.length, "y length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail("y (" + rows + ", " + out + ") = x (" + rows + ", " + in + ") W^T" + (withBias ? " + b" : "")
                        + " differs first at row " + i / out + " column " + i % out + ": CpuGemm " + want[i]
                        + ", smyrf_linear " + got[i]);
            }
        }
    }

    /** One {@code smyrf-emu --gemm} run; formats in the header comment of src/test/cpp/kernel_driver.cpp. */
    private static float[] runKernel(Path work, int rows, int in, int out, float[] x, float[] w, float[] bias)
            throws IOException {
        Path caseDir = Files.createDirectories(work.resolve("case"));
        Path outDir = Files.createDirectories(work.resolve("out"));
        Files.writeString(caseDir.resolve("params.txt"), "rows=" + rows + "\nin=" + in + "\nout=" + out + "\nhasBias="
                + (bias == null ? 0 : 1) + "\n");
        writeFloats(caseDir.resolve("x.f32"), x);
        writeFloats(caseDir.resolve("w.f32"), w);
        if (bias != null) {
            writeFloats(caseDir.resolve("bias.f32"), bias);
        }
        KernelEmulator.Output result = EMULATOR.execute("--gemm", caseDir.toString(), outDir.toString());
        assertEquals(0, result.exitCode(), () -> "smyrf-emu --gemm failed:\n" + result.text());
        byte[] bytes = Files.readAllBytes(outDir.resolve("y.f32"));
        assertEquals(4L * rows * out, bytes.length, "y.f32 bytes");
        float[] y = new float[rows * out];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(y);
        return y;
    }

    private static void writeFloats(Path path, float[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(data);
        Files.write(path, buffer.array());
    }
}
