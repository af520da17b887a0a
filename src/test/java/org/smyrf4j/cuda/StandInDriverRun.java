package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM on the stand-in libcuda.so.1 of {@code make fakecuda}
 * (src/test/cpp/fake_libcuda.cpp: the driver API the engine calls, kernels on the CPU
 * emulation, strict about contexts, launch geometry, shared memory limits and pointers), first
 * on LD_LIBRARY_PATH, so JCuda's loading and argument marshalling, module loading from the
 * pack, context push/pop and every launch run for real. Afterwards the stand-in's counters must
 * balance: no context left pushed, no allocation, module, stream, event or context reference
 * left behind, no call refused.
 */
final class StandInDriverRun {

    private static final long TIMEOUT_SECONDS = 300;
    /** Counters of the stand-in that must come out equal in pairs (taken, given back). */
    private static final List<String[]> BALANCED = List.of(
            new String[] {"retains", "releases"}, new String[] {"pushes", "pops"},
            new String[] {"allocations", "frees"}, new String[] {"modules_loaded", "modules_unloaded"},
            new String[] {"streams_created", "streams_destroyed"}, new String[] {"events_created", "events_destroyed"});
    /** Counters of the stand-in that must be zero. */
    private static final List<String> ZERO = List.of("live_allocations", "errors", "unbalanced_threads",
            "leaked_at_reset");

    private StandInDriverRun() {
    }

    /**
     * Runs {@code mainClass} with {@code jvmFlags}; it must exit 0 and print {@code okLine}, and
     * the counters must balance. Skips (assumption) where the stand-in or the pack is not built.
     *
     * @return the child's output
     */
    static String run(Path work, Class<?> mainClass, String okLine, String... jvmFlags)
            throws IOException, InterruptedException {
        return run(work, Map.of(), mainClass, okLine, jvmFlags);
    }

    /** As {@link #run(Path, Class, String, String...)}, with {@code environment} added for the child. */
    static String run(Path work, Map<String, String> environment, Class<?> mainClass, String okLine,
            String... jvmFlags) throws IOException, InterruptedException {
        Path library = RepoFiles.resolve("target/fakecuda/libcuda.so.1");
        assumeTrue(Files.isRegularFile(library), "the stand-in driver " + library + " is not built (make fakecuda)");
        assumeTrue(KernelPack.readManifest() != null, "no kernel pack on the class path: " + CudaProbe.PACK_MISSING);
        String name = mainClass.getSimpleName();
        Path report = work.resolve(name + "-fakecuda-report.txt");
        Path log = work.resolve(name + ".log");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Djava.io.tmpdir=" + work));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-cp", classPath, mainClass.getName()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LD_LIBRARY_PATH", library.getParent().toString());
        builder.environment().put("FAKECUDA_REPORT", report.toString());
        builder.environment().putAll(environment);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " took over " + TIMEOUT_SECONDS + " s:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), () -> name + " failed:\n" + output);
        assertTrue(output.contains(okLine), output);
        assertTrue(Files.isRegularFile(report), "the stand-in wrote no report:\n" + output);
        Map<String, Long> counters = counters(Files.readString(report));
        for (String[] pair : BALANCED) {
            assertEquals(counters.get(pair[0]), counters.get(pair[1]), pair[0] + " vs " + pair[1] + " in " + counters);
        }
        for (String counter : ZERO) {
            assertEquals(0L, counters.get(counter), counter + " in " + counters + "\n" + output);
        }
        assertTrue(counters.get("launches") > 0, "no kernel ran: " + counters);
        return output;
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
