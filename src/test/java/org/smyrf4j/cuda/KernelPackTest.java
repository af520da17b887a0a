package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kernel pack on the class path (after {@code make kernels}): its manifest parses, every
 * image it names is there, and every card from 8.0 up is served. Skips where no pack was built.
 */
class KernelPackTest {

    @Test
    void packServesEveryCardItTargets() {
        KernelManifest manifest = KernelPack.readManifest();
        Assumptions.assumeTrue(manifest != null, "no kernel pack on the class path: " + CudaProbe.PACK_MISSING);
        assertTrue(manifest.targets().contains(KernelManifest.PTX_TARGET), "the pack carries PTX: " + manifest.summary());
        for (String target : manifest.targets()) {
            for (EntryPoint e : KernelPack.ENTRY_POINTS) {
                KernelManifest.Entry line = manifest.entry(e.family(), target, e.name());
                assertNotNull(line, target + " lacks " + e.family() + "." + e.name());
                if (!line.isPtx()) {
                    assertEquals(0, line.spillStores() + line.spillLoads(), line + " spills");
                    assertTrue(line.registers() * e.blockThreads() <= 65536,
                            line + " needs more registers than an SM has for one block of " + e.blockThreads());
                }
            }
        }
        for (int[] cc : new int[][] {{8, 0}, {8, 6}, {8, 7}, {8, 9}, {9, 0}, {10, 0}, {12, 0}}) {
            KernelImage image = manifest.imageFor(cc[0], cc[1], KernelPack.ENTRY_POINTS);
            for (String family : manifest.families()) {
                String file = manifest.file(family, image.target());
                byte[] bytes = KernelPack.readImage(file, image.ptx());
                assertTrue(bytes.length > 100, file);
                if (image.ptx()) {
                    assertEquals(0, bytes[bytes.length - 1], "PTX is NUL-terminated for cuModuleLoadData");
                    String text = new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
                    assertTrue(text.contains(".target"), file + " is PTX text");
                } else {
                    assertEquals(0x7F, bytes[0], file + " is an ELF cubin");
                    assertEquals('E', bytes[1]);
                }
            }
        }
        assertFalse(manifest.families().isEmpty());
    }
}
