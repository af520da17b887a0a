package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelManifestTest {

    private static final List<String> FULL_TARGETS = List.of("sm_80", "sm_86", "sm_89", "sm_90", "compute_80");

    /** A manifest with every engine entry point for the given targets. */
    private static String manifest(List<String> targets) {
        StringBuilder sb = new StringBuilder("# nvcc 13.0.88\n# built 2025-11-27\n\n");
        for (String target : targets) {
            for (EntryPoint e : KernelPack.ENTRY_POINTS) {
                boolean ptx = target.startsWith("compute_");
                String file = ptx ? e.family() + ".ptx" : e.family() + "." + target + ".cubin";
                String res = ptx ? "-\t-\t-\t-\t-" : "40\t16384\t0\t0\t0";
                sb.append(e.family()).append('\t').append(target).append('\t').append(file).append('\t')
                        .append(e.name()).append('\t').append(res).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void parsesLinesAndComments() {
        KernelManifest m = KernelManifest.parse(manifest(FULL_TARGETS), "test");
        assertEquals("13.0.88", m.nvccVersion());
        assertEquals("2025-11-27", m.built());
        assertEquals(Set.of("sm_80", "sm_86", "sm_89", "sm_90", "compute_80"), m.targets());
        assertEquals(Set.of("hash", "sort", "attention", "attention_tc", "combine", "dense", "gemm", "heads"),
                m.families());
        assertEquals("sort.sm_90.cubin", m.file("sort", "sm_90"));
        assertEquals("attention.ptx", m.file("attention", "compute_80"));
        KernelManifest.Entry cubin = m.entry("attention", "sm_90", "smyrf_cluster_attention");
        assertEquals(40, cubin.registers());
        assertEquals(16384, cubin.sharedBytes());
        KernelManifest.Entry ptx = m.entry("attention", "compute_80", "smyrf_cluster_attention");
        assertTrue(ptx.isPtx());
        assertEquals(-1, ptx.registers());
        assertNull(m.file("attention", "sm_75"));
    }

    @Test
    void malformedLinesNameTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelManifest.parse("# c\nhash\tsm_90\thash.sm_90.cubin\n", "manifest.tsv"));
        assertTrue(e.getMessage().contains("manifest.tsv line 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KernelManifest.parse("hash\tsm_90\tf\tsmyrf_x\tmany\t0\t0\t0\t0\n", "m"));
        assertTrue(e.getMessage().contains("registers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KernelManifest.parse("hash\tgfx90\tf\tsmyrf_x\t1\t0\t0\t0\t0\n", "m"));
        assertTrue(e.getMessage().contains("target"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelManifest.parse("# only comments\n", "m"));
    }

    @Test
    void picksTheImageForEachCard() {
        KernelManifest m = KernelManifest.parse(manifest(FULL_TARGETS), "test");
        assertImage(m, 8, 0, "sm_80", false);
        assertImage(m, 8, 6, "sm_86", false);
        assertImage(m, 8, 7, "sm_86", false); // Orin: binary compatible with sm_86
        assertImage(m, 8, 9, "sm_89", false);
        assertImage(m, 9, 0, "sm_90", false);
        assertImage(m, 10, 0, "compute_80", true); // Blackwell: JIT of the PTX
        assertImage(m, 12, 0, "compute_80", true);
        IllegalStateException old = assertThrows(IllegalStateException.class,
                () -> m.imageFor(7, 5, KernelPack.ENTRY_POINTS));
        assertTrue(old.getMessage().contains("7.5") && old.getMessage().contains("8.0"), old.getMessage());
    }

    @Test
    void withoutPtxNewerCardsAreRefused() {
        KernelManifest m = KernelManifest.parse(manifest(List.of("sm_80", "sm_90")), "test");
        assertImage(m, 8, 9, "sm_80", false);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> m.imageFor(10, 0, KernelPack.ENTRY_POINTS));
        assertTrue(e.getMessage().contains("10.0"), e.getMessage());
    }

    @Test
    void incompleteTargetsAreSkipped() {
        String text = manifest(List.of("sm_80", "compute_80")) + "hash\tsm_90\thash.sm_90.cubin\tsmyrf_hash_keys\t1\t0\t0\t0\t0\n";
        KernelManifest m = KernelManifest.parse(text, "test");
        KernelImage image = m.imageFor(9, 0, KernelPack.ENTRY_POINTS);
        assertEquals("compute_80", image.target(), "sm_90 lacks entry points, so the PTX serves 9.0");
        assertFalse(m.targets().isEmpty());
    }

    private static void assertImage(KernelManifest m, int major, int minor, String target, boolean ptx) {
        KernelImage image = m.imageFor(major, minor, KernelPack.ENTRY_POINTS);
        assertEquals(target, image.target(), major + "." + minor + ": " + image.why());
        assertEquals(ptx, image.ptx());
    }
}
