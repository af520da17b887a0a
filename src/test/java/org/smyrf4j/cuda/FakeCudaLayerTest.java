package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA layer end to end without a GPU, as FakeCudaDriverTest runs the engine: a child JVM
 * runs {@link FakeLayerSmoke} with the stand-in libcuda.so.1 of {@code make fakecuda} first on
 * LD_LIBRARY_PATH and the kernel pack's GEMM forced, so the layer's projections, head moves,
 * attention and copies run through JCuda for real on the CPU emulation. The CUDA layer must
 * equal the CPU layer within 1e-4 relative (self- and cross-attention, key masks, dense, SMYRF
 * and auto), and afterwards the stand-in's counters must balance.
 */
class FakeCudaLayerTest {

    private static final long TIMEOUT_SECONDS = 300;
    /** Counters of the stand-in that must come out equal in pairs (taken, given back). */
    private static final List<String[]> BALANCED = List.of(
            new String[] {"retains", "releases"}, new String[] {"pushes", "pops"},
            new String[] {"allocations", "frees"}, new String[] {"modules_loaded", "modules_unloaded"},
            new String[] {"streams_created", "streams_destroyed"});
    /** Counters of the stand-in that must be zero. */
    private static final List<String> ZERO = List.of("live_allocations", "errors", "unbalanced_threads",
            "leaked_at_reset");

    @Test
    void layerRunsEndToEndOnTheStandInDriver(@TempDir Path work) throws IOException, InterruptedException {
        Path library = RepoFiles.resolve("target/fakecuda/libcuda.so.1");
        assumeTrue(Files.isRegularFile(library), "the stand-in driver " + library + " is not built (make fakecuda)");
        assumeTrue(KernelPack.readManifest() != null, "no kernel pack on the class path: " + CudaProbe.PACK_MISSING);
        Path report = work.resolve("fakecuda-report.txt");
        Path log = work.resolve("layer-smoke.log");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Djava.io.tmpdir=" + work,
                // cuBLAS cannot run on the stand-in: the kernel pack's GEMM, whatever this machine has.
                "-D" + GemmSettings.PROPERTY + "=kernels", "-cp", classPath, FakeLayerSmoke.class.getName());
        builder.environment().put("LD_LIBRARY_PATH", library.getParent().toString());
        builder.environment().put("FAKECUDA_REPORT", report.toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the layer smoke run took over " + TIMEOUT_SECONDS + " s:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), () -> "the layer smoke run failed:\n" + output);
        assertTrue(output.contains("fake layer smoke: OK"), output);
        assertTrue(Files.isRegularFile(report), "the stand-in wrote no report:\n" + output);
        Map<String, Long> counters = counters(Files.readString(report));
        for (String[] pair : BALANCED) {
            assertEquals(counters.get(pair[0]), counters.get(pair[1]), pair[0] + " vs " + pair[1] + " in " + counters);
        }
        for (String name : ZERO) {
            assertEquals(0L, counters.get(name), name + " in " + counters + "\n" + output);
        }
        assertTrue(counters.get("launches") > 0, "no kernel ran: " + counters);
    }

    /** The last line of the report as name -> value. */
    private static Map<String, Long> counters(String report) {
        String[] lines = report.strip().split("\n");
        Map<String, Long> values = new LinkedHashMap<>();
        for (String field : lines[lines.length - 1].trim().split("\\s+")) {
            String[] kv = field.split("=");
            values.put(kv[0], Long.parseLong(kv[1]));
        }
        return values;
    }
}
