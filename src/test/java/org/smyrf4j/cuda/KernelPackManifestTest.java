package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel pack on the classpath (org/smyrf4j/kernels, built by {@code make kernels}) against
 * the CUDA sources: every family has its cubins and PTX, every {@code extern "C"} entry point has
 * a manifest line for every target, and nothing spills. Format: docs/kernels.md "Manifest".
 */
class KernelPackManifestTest {

    private static final String PACK = "org/smyrf4j/kernels/";
    private static final List<String> CUBIN_TARGETS = List.of("sm_80", "sm_86", "sm_89", "sm_90");
    private static final String PTX_TARGET = "compute_80";
    private static final Pattern ENTRY = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s*)?(\\w+)\\s*\\(");
    private static final Path CUDA_SOURCES =
            Path.of(System.getProperty("smyrf4j.repo", ".")).resolve("src/main/cuda");

    /** One manifest line. Resource columns are null on PTX lines ("-"). */
    record Line(String family, String target, String file, String entry, Integer registers, Integer sharedBytes,
            Integer spillStores, Integer spillLoads, Integer stackBytes) {
    }

    private static List<String> comments;
    private static List<Line> lines;

    @BeforeAll
    static void readManifest() throws IOException {
        InputStream in = KernelPackManifestTest.class.getClassLoader().getResourceAsStream(PACK + "manifest.tsv");
        assumeTrue(in != null, "no kernel pack on the classpath (" + PACK + "manifest.tsv): run `make kernels` first");
        comments = new ArrayList<>();
        lines = new ArrayList<>();
        String text;
        try (in) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int number = 0;
        for (String raw : text.split("\n")) {
            number++;
            if (raw.isBlank()) {
                continue;
            }
            if (raw.startsWith("#")) {
                comments.add(raw);
                continue;
            }
            String[] f = raw.split("\t", -1);
            assertEquals(9, f.length, "manifest line " + number + " must have 9 tab-separated columns: " + raw);
            lines.add(new Line(f[0], f[1], f[2], f[3], number(f[4]), number(f[5]), number(f[6]), number(f[7]),
                    number(f[8])));
        }
    }

    @Test
    void headerNamesTheCompilerAndTheBuild() {
        assertTrue(comments.stream().anyMatch(c -> c.startsWith("# nvcc ")), "no '# nvcc <version>' line: " + comments);
        assertTrue(comments.stream().anyMatch(c -> c.startsWith("# built ")), "no '# built <date>' line: " + comments);
    }

    @Test
    void everyFamilyHasItsCubinsAndPtxAsResources() throws IOException {
        for (String family : sourceEntries().keySet()) {
            for (String target : CUBIN_TARGETS) {
                assertResource(family + "." + target + ".cubin");
            }
            assertResource(family + ".ptx");
        }
    }

    @Test
    void everyEntryPointHasALineForEveryTarget() throws IOException {
        Map<String, Set<String>> sources = sourceEntries();
        Set<String> expected = new TreeSet<>();
        for (Map.Entry<String, Set<String>> e : sources.entrySet()) {
            for (String entry : e.getValue()) {
                for (String target : targets()) {
                    expected.add(e.getKey() + " " + target + " " + entry);
                }
            }
        }
        Set<String> listed = new TreeSet<>();
        for (Line line : lines) {
            assertTrue(listed.add(line.family() + " " + line.target() + " " + line.entry()), "listed twice: " + line);
            String file = line.target().equals(PTX_TARGET)
                    ? line.family() + ".ptx" : line.family() + "." + line.target() + ".cubin";
            assertEquals(file, line.file(), "file column of " + line);
        }
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(listed);
        Set<String> stale = new TreeSet<>(listed);
        stale.removeAll(expected);
        assertTrue(missing.isEmpty(), "entry points of src/main/cuda without a manifest line: " + missing);
        assertTrue(stale.isEmpty(), "manifest lines for entry points the sources no longer define: " + stale);
    }

    @Test
    void noEntrySpillsAndCubinLinesCarryTheirResources() {
        assertFalse(lines.isEmpty(), "the manifest lists no entry point");
        for (Line line : lines) {
            if (line.target().equals(PTX_TARGET)) {
                assertTrue(line.registers() == null && line.spillStores() == null, "PTX lines carry '-': " + line);
                continue;
            }
            assertNotNull(line.registers(), "registers of " + line);
            assertTrue(line.registers() > 0 && line.registers() <= 255, "registers of " + line);
            assertNotNull(line.sharedBytes(), "shared bytes of " + line);
            assertNotNull(line.stackBytes(), "stack bytes of " + line);
            if (line.spillStores() == null || line.spillLoads() == null || line.spillStores() != 0
                    || line.spillLoads() != 0) {
                fail(line.entry() + " spills on " + line.target() + ": " + line.spillStores() + " bytes stored, "
                        + line.spillLoads() + " bytes loaded");
            }
        }
    }

    private static List<String> targets() {
        List<String> all = new ArrayList<>(CUBIN_TARGETS);
        all.add(PTX_TARGET);
        return all;
    }

    /** family -> the extern "C" __global__ entry points of src/main/cuda/family.cu. */
    private static Map<String, Set<String>> sourceEntries() throws IOException {
        assumeTrue(Files.isDirectory(CUDA_SOURCES), "no CUDA sources at " + CUDA_SOURCES);
        Map<String, Set<String>> entries = new TreeMap<>();
        try (Stream<Path> files = Files.list(CUDA_SOURCES)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".cu"))::iterator) {
                String name = file.getFileName().toString();
                Set<String> found = new TreeSet<>();
                Matcher m = ENTRY.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(m.group(1));
                }
                assertFalse(found.isEmpty(), name + " defines no extern \"C\" __global__ entry point");
                entries.put(name.substring(0, name.length() - ".cu".length()), found);
            }
        }
        assertFalse(entries.isEmpty(), "no .cu files in " + CUDA_SOURCES);
        return entries;
    }

    private static void assertResource(String file) {
        assertNotNull(KernelPackManifestTest.class.getClassLoader().getResource(PACK + file),
                "kernel pack file " + PACK + file + " is not on the classpath");
    }

    private static Integer number(String column) {
        return column.equals("-") ? null : Integer.valueOf(column);
    }
}
