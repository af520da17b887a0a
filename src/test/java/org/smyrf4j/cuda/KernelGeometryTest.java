package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** KernelGeometry mirrors src/main/cuda/smyrf_geometry.h, and its formulas match docs/kernels.md. */
class KernelGeometryTest {

    private static final String HEADER = "src/main/cuda/smyrf_geometry.h";
    /** Java constants with no header counterpart: fixed by the contract or by CUDA itself. */
    private static final Set<String> JAVA_ONLY = Set.of("EXTRACT_THREADS", "DENSE_QUERY_TILE",
            "DEFAULT_DYNAMIC_SHARED_LIMIT");
    private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#define\\s+SMYRF_(\\w+)\\s+\\(?\\s*(\\d+)\\s*\\)?\\s*(?://.*)?$");

    @Test
    void mirrorsTheHeader() throws IOException, IllegalAccessException {
        Path header = RepoFiles.resolve(HEADER);
        Assumptions.assumeTrue(Files.isRegularFile(header), "no " + HEADER + " in this checkout (" + header + ")");
        Map<String, Integer> fromHeader = new TreeMap<>();
        Matcher m = DEFINE.matcher(Files.readString(header));
        while (m.find()) {
            fromHeader.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertFalse(fromHeader.isEmpty(), HEADER + " defines no SMYRF_ integer constants");
        Map<String, Integer> fromJava = new TreeMap<>();
        for (Field f : KernelGeometry.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && !JAVA_ONLY.contains(f.getName())) {
                fromJava.put(f.getName(), f.getInt(null));
            }
        }
        assertEquals(fromHeader, fromJava, "KernelGeometry vs " + HEADER);
    }

    @Test
    void sharedMemoryFormula() {
        // d = 64: 4 * (128*65 + 32*64 + 32*32) = 45568 bytes, under the 48 KiB default.
        assertEquals(45568, KernelGeometry.clusterSharedBytes(KernelGeometry.ATTN_THREADS, 64));
        // d = 128 (even) uses the odd stride 129.
        assertEquals(4 * (128 * 129 + 32 * 128 + 32 * 32), KernelGeometry.clusterSharedBytes(128, 128));
        assertEquals(4 * (128 * 59 + 32 * 59 + 32 * 32), KernelGeometry.clusterSharedBytes(128, 59));
        assertTrue(KernelGeometry.clusterSharedBytes(128, 128) > KernelGeometry.DEFAULT_DYNAMIC_SHARED_LIMIT);
    }

    @Test
    void unionSharedMemoryFormula() {
        // H = 4: key ids 4*32, query ids 128*5 (odd stride), log table n = 0..5 (a key in every
        // round's cluster and in the local window): 4 * 774 bytes.
        assertEquals(4 * (4 * 32 + 128 * 5 + 6), KernelGeometry.unionSharedBytes(KernelGeometry.ATTN_THREADS, 4));
        // H = 1 (odd already): 4 * (32 + 128 + 3).
        assertEquals(4 * (32 + 128 + 3), KernelGeometry.unionSharedBytes(128, 1));
        // The key ids start where the value tile ends and are read as int4: every part a multiple of 16 bytes.
        assertEquals(0, KernelGeometry.clusterSharedBytes(128, 59) % 16);
        assertEquals(0, 4L * 7 * KernelGeometry.ATTN_KEY_TILE % 16);
    }

    @Test
    void tensorCoreSharedMemoryFormula() {
        // d = dv = 64: rows of 68 floats for 128 queries + 32 keys, 68 for 32 values + 128 outputs,
        // 128 rows of 36 logits: 4 * (160*68 + 160*68 + 128*36) = 105472 bytes, over the 48 KiB default.
        assertEquals(105472, KernelGeometry.tensorCoreSharedBytes(64, 64));
        // d = 37 pads to 40 (tf32 k-steps of 8), dv = 20 to 32 (wmma column tiles of 16).
        assertEquals(4 * (160 * 44 + 160 * 36 + 128 * 36), KernelGeometry.tensorCoreSharedBytes(37, 20));
        // d = 1 and dv = 1: one k-step and one column tile.
        assertEquals(4 * (160 * 12 + 160 * 20 + 128 * 36), KernelGeometry.tensorCoreSharedBytes(1, 1));
        assertEquals(4 * (160 * 132 + 160 * 148 + 128 * 36), KernelGeometry.tensorCoreSharedBytes(128, 130));
        assertTrue(KernelGeometry.needsSharedOptIn(KernelGeometry.tensorCoreSharedBytes(64, 64), 0));
        // Every row a whole number of 32-byte units plus 16 bytes, so tile starts stay 16-byte aligned
        // and the part sums are multiples of 16 bytes.
        for (int d : new int[] {1, 8, 37, 64, 100, 128}) {
            assertEquals(0, KernelGeometry.tensorCoreSharedBytes(d, d) % 16, "d = " + d);
        }
        long limit = 227 * 1024; // an H100's opt-in limit
        int max = KernelGeometry.maxTensorCoreDim(limit);
        assertTrue(KernelGeometry.tensorCoreSharedBytes(max, max) <= limit);
        assertTrue(KernelGeometry.tensorCoreSharedBytes(max + 1, max + 1) > limit);
        assertTrue(max >= 128, "d = dv = 128 fits an H100, got max " + max);
    }

    /** The header spells SMYRF_TC_SHARED_BYTES as tensorCoreSharedBytes computes it (a change there must show here). */
    @Test
    void tensorCoreFormulaMatchesTheHeaderText() throws IOException {
        Path header = RepoFiles.resolve(HEADER);
        Assumptions.assumeTrue(Files.isRegularFile(header), "no " + HEADER + " in this checkout (" + header + ")");
        // One line per macro (continuations joined), single spaces.
        String text = Files.readString(header).replace("\\\n", " ").replaceAll("\\s+", " ");
        assertTrue(text.contains("#define SMYRF_TC_ROUND_UP(x, m) ((((x) + (m) - 1) / (m)) * (m))"), text);
        assertTrue(text.contains("#define SMYRF_TC_SHARED_BYTES(d, dv) (4 * ((SMYRF_TC_QUERY_ROWS + SMYRF_TC_KEY_TILE)"
                + " * (SMYRF_TC_ROUND_UP(d, 8) + 4) + (SMYRF_TC_KEY_TILE + SMYRF_TC_QUERY_ROWS) *"
                + " (SMYRF_TC_ROUND_UP(dv, 16) + 4) + SMYRF_TC_QUERY_ROWS * (SMYRF_TC_KEY_TILE + 4)))"),
                "SMYRF_TC_SHARED_BYTES changed: update KernelGeometry.tensorCoreSharedBytes and this test");
    }

    @Test
    void optInCountsStaticSharedMemoryToo() {
        int limit = KernelGeometry.DEFAULT_DYNAMIC_SHARED_LIMIT;
        assertFalse(KernelGeometry.needsSharedOptIn(0, 16384), "no dynamic memory, nothing to raise");
        assertFalse(KernelGeometry.needsSharedOptIn(limit - 640, 640), "exactly 48 KiB in all");
        assertTrue(KernelGeometry.needsSharedOptIn(limit - 639, 640), "one byte over once static memory counts");
        assertTrue(KernelGeometry.needsSharedOptIn(limit + 1, 0));
        // d = 64, the common head dim, stays under the default with the kernels' 640 static bytes.
        assertFalse(KernelGeometry.needsSharedOptIn(KernelGeometry.clusterSharedBytes(128, 64), 640));
        assertTrue(KernelGeometry.needsSharedOptIn(KernelGeometry.clusterSharedBytes(128, 96), 640));
    }

    @Test
    void maxDimIsTheLargestThatFits() {
        long limit = 227 * 1024 - 640; // an H100's opt-in limit less the kernels' static index arrays
        int max = KernelGeometry.maxDim(128, limit);
        assertTrue(KernelGeometry.clusterSharedBytes(128, max) <= limit);
        assertTrue(KernelGeometry.clusterSharedBytes(128, max + 1) > limit);
        assertEquals(0, KernelGeometry.maxDim(128, 100));
    }

    @Test
    void segmentIsTheNextPowerOfTwo() {
        assertEquals(1, KernelGeometry.segmentLength(1));
        assertEquals(2, KernelGeometry.segmentLength(2));
        assertEquals(4, KernelGeometry.segmentLength(3));
        assertEquals(2048, KernelGeometry.segmentLength(2048));
        assertEquals(4096, KernelGeometry.segmentLength(2049));
        assertEquals(1 << 30, KernelGeometry.segmentLength((1 << 29) + 1));
    }
}
