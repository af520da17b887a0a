package org.smyrf4j.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code target/emu/smyrf-emu} (built by {@code make emu}): the kernel pack's .cu files
 * compiled for the CPU emulation, driven with the launch sequence and geometry of
 * docs/kernels.md. Writes a case as raw little-endian files, runs the binary, reads back every
 * stage. File formats: the comment at the top of src/test/cpp/kernel_driver.cpp.
 */
final class KernelEmulator {

    /** A run that takes longer has hung (a deadlocked barrier, say); the test cases take seconds. */
    private static final long TIMEOUT_SECONDS = 300;

    private final Path binary;

    KernelEmulator(Path binary) {
        this.binary = binary;
    }

    /** The emulator of this checkout: {@code smyrf4j.repo} (set by the build) or the working directory. */
    static KernelEmulator ofRepository() {
        Path repo = Path.of(System.getProperty("smyrf4j.repo", "."));
        return new KernelEmulator(repo.resolve("target/emu/smyrf-emu"));
    }

    boolean isBuilt() {
        return Files.isExecutable(binary);
    }

    Path binary() {
        return binary;
    }

    /**
     * Sizes and inputs of one call; {@code mask} (B, Nk) may be null. SPEC Extensions:
     * {@code globalKeys} (B, G) resolved as the engine uploads them (ascending, -1 padded), or
     * null with {@code globalCount} 0; {@code unionRounds} the union softmax; {@code window} the
     * local window (0: off; docs/kernels.md "Local window"). {@code tensorCores}: the plain hash
     * rounds on smyrf_cluster_attention_tc instead of the CUDA-core kernel.
     */
    record Case(int batch, int queryLen, int keyLen, int dim, int valueDim, int hashes, int queryClusterSize,
            int keyClusterSize, int clusters, float scale, float[] q, float[] k, float[] v, float[] alpha,
            boolean[] mask, int[] globalKeys, int globalCount, boolean unionRounds, int window, boolean tensorCores) {

        /** A call with extensions, its plain rounds (if any) on the CUDA-core kernel. */
        Case(int batch, int queryLen, int keyLen, int dim, int valueDim, int hashes, int queryClusterSize,
                int keyClusterSize, int clusters, float scale, float[] q, float[] k, float[] v, float[] alpha,
                boolean[] mask, int[] globalKeys, int globalCount, boolean unionRounds, int window) {
            this(batch, queryLen, keyLen, dim, valueDim, hashes, queryClusterSize, keyClusterSize, clusters, scale, q,
                    k, v, alpha, mask, globalKeys, globalCount, unionRounds, window, false);
        }

        /** A plain call: no extensions, the CUDA-core kernel. */
        Case(int batch, int queryLen, int keyLen, int dim, int valueDim, int hashes, int queryClusterSize,
                int keyClusterSize, int clusters, float scale, float[] q, float[] k, float[] v, float[] alpha,
                boolean[] mask) {
            this(batch, queryLen, keyLen, dim, valueDim, hashes, queryClusterSize, keyClusterSize, clusters, scale, q,
                    k, v, alpha, mask, null, 0, false, 0, false);
        }

        /** The same call with the plain rounds on tensor cores. */
        Case onTensorCores() {
            return new Case(batch, queryLen, keyLen, dim, valueDim, hashes, queryClusterSize, keyClusterSize, clusters,
                    scale, q, k, v, alpha, mask, globalKeys, globalCount, unionRounds, window, true);
        }

        /** Rounds in the per-round outputs: the hash rounds, and the window's when it is on. */
        int rounds() {
            return hashes + (window > 0 ? 1 : 0);
        }
    }

    /**
     * Every stage the emulated kernels wrote, in SmyrfTrace's layouts plus dense attention;
     * roundOut (R, B, Nq, dv) and roundLse (R, B, Nq) hold {@link Case#rounds()} rounds, the
     * window's last.
     */
    record Stages(float[] queryHashes, float[] keyHashes, int[] queryOrder, int[] keyOrder, float[] roundOut,
            float[] roundLse, float[] out, float[] dense) {
    }

    /** The output of a run: exit code and everything it printed. */
    record Output(int exitCode, String text) {
    }

    /** Runs the kernels on {@code c}, using {@code work} for the files. */
    Stages run(Case c, Path work) {
        Path in = work.resolve("case");
        Path out = work.resolve("stages");
        try {
            Files.createDirectories(in);
            Files.createDirectories(out);
            writeCase(c, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Output result = execute(in.toString(), out.toString());
        if (result.exitCode() != 0) {
            throw new AssertionError("smyrf-emu exited with " + result.exitCode() + ":\n" + result.text());
        }
        int h = c.hashes();
        int rounds = c.rounds();
        int b = c.batch();
        int nq = c.queryLen();
        int nk = c.keyLen();
        int dv = c.valueDim();
        return new Stages(
                readFloats(out.resolve("query_hashes.f32"), h * b * nq),
                readFloats(out.resolve("key_hashes.f32"), h * b * nk),
                readInts(out.resolve("query_order.i32"), h * b * c.clusters() * c.queryClusterSize()),
                readInts(out.resolve("key_order.i32"), h * b * c.clusters() * c.keyClusterSize()),
                readFloats(out.resolve("round_out.f32"), rounds * b * nq * dv),
                readFloats(out.resolve("round_lse.f32"), rounds * b * nq),
                readFloats(out.resolve("out.f32"), b * nq * dv),
                readFloats(out.resolve("dense.f32"), b * nq * dv));
    }

    /** Runs the binary with these arguments and waits for it. */
    Output execute(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            // Read before waiting, so a full pipe cannot stall the child.
            byte[] text = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("smyrf-emu " + String.join(" ", args) + " ran over " + TIMEOUT_SECONDS + " s");
            }
            return new Output(process.exitValue(), new String(text, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + binary, e);
        }
    }

    /** {@code name=value} lines of {@code smyrf-emu --geometry}. */
    Map<String, Integer> geometry() {
        Output result = execute("--geometry");
        if (result.exitCode() != 0) {
            throw new AssertionError("smyrf-emu --geometry exited with " + result.exitCode() + ":\n" + result.text());
        }
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String line : result.text().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).trim(), Integer.parseInt(line.substring(eq + 1).trim()));
            }
        }
        return values;
    }

    private static void writeCase(Case c, Path dir) throws IOException {
        String params = "B=" + c.batch() + "\nNq=" + c.queryLen() + "\nNk=" + c.keyLen() + "\nd=" + c.dim()
                + "\ndv=" + c.valueDim() + "\nH=" + c.hashes() + "\nCq=" + c.queryClusterSize()
                + "\nCk=" + c.keyClusterSize() + "\nL=" + c.clusters()
                // Float.toString is the shortest text that reads back as the same float.
                + "\nscale=" + Float.toString(c.scale()) + "\nhasMask=" + (c.mask() == null ? 0 : 1)
                + "\nG=" + c.globalCount() + "\nunion=" + (c.unionRounds() ? 1 : 0) + "\nwindow=" + c.window()
                + "\ntensorCores=" + (c.tensorCores() ? 1 : 0) + "\n";
        Files.writeString(dir.resolve("params.txt"), params);
        writeFloats(dir.resolve("q.f32"), c.q());
        writeFloats(dir.resolve("k.f32"), c.k());
        writeFloats(dir.resolve("v.f32"), c.v());
        writeFloats(dir.resolve("alpha.f32"), c.alpha());
        if (c.mask() != null) {
            byte[] bytes = new byte[c.mask().length];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (c.mask()[i] ? 1 : 0);
            }
            Files.write(dir.resolve("mask.u8"), bytes);
        }
        if (c.globalCount() > 0) {
            ByteBuffer buffer = ByteBuffer.allocate(c.globalKeys().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asIntBuffer().put(c.globalKeys());
            Files.write(dir.resolve("global_keys.i32"), buffer.array());
        }
    }

    private static void writeFloats(Path path, float[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(data);
        Files.write(path, buffer.array());
    }

    private static ByteBuffer readAll(Path path, int elements) {
        try {
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length != elements * 4) {
                throw new AssertionError(path + " holds " + bytes.length + " bytes, expected " + elements * 4);
            }
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] readFloats(Path path, int elements) {
        float[] data = new float[elements];
        readAll(path, elements).asFloatBuffer().get(data);
        return data;
    }

    private static int[] readInts(Path path, int elements) {
        int[] data = new int[elements];
        readAll(path, elements).asIntBuffer().get(data);
        return data;
    }
}
