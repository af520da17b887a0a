package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.cpu.CpuEngine;

/**
 * The host side of global keys on the GPU: positions resolved per row by the CPU engine's rules
 * into the (B, G) table and the keys' sort mask the extension kernels take (docs/kernels.md).
 */
class GlobalKeyTableTest {

    @Test
    void resolvesPerRowAscendingPaddedAndMasksTheGlobalKeysForTheSort() {
        // Row 0: keys 0..5 valid but 4; row 1: only keys 1 and 2; row 2: none.
        byte[] mask = {1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        GlobalKeyTable t = GlobalKeyTable.resolve(new int[] {4, -1, 0, -1, 2}, mask, 3, 6);
        // Row 0: 4 is masked (names nothing), -1 -> 5 (twice, counted once), 0, 2.
        // Row 1: 4 and 0 are masked, -1 -> 2 (last valid key), 2 again.
        assertEquals(3, t.globalCount());
        assertArrayEquals(new int[] {0, 2, 5, 2, -1, -1, -1, -1, -1}, t.table());
        assertArrayEquals(new byte[] {0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, t.keySortValid());
    }

    @Test
    void withoutMaskEveryPositionCountsFromTheEnd() {
        GlobalKeyTable t = GlobalKeyTable.resolve(new int[] {-2, 1}, null, 2, 4);
        assertEquals(2, t.globalCount());
        assertArrayEquals(new int[] {1, 2, 1, 2}, t.table());
        assertArrayEquals(new byte[] {1, 0, 0, 1, 1, 0, 0, 1}, t.keySortValid());
    }

    @Test
    void noGlobalKeyInAnyRowGivesAnEmptyTable() {
        GlobalKeyTable t = GlobalKeyTable.resolve(new int[] {0}, new byte[] {0, 1, 0, 0}, 2, 2);
        assertEquals(0, t.globalCount());
        assertEquals(0, t.table().length);
        assertArrayEquals(new byte[] {0, 1, 0, 0}, t.keySortValid());
    }

    @Test
    void aPositionOutsideARowIsRefusedWithTheCpuEnginesMessage() {
        AttentionShape shape = new AttentionShape(2, 4, 4, 2, 2);
        boolean[] valid = {true, true, true, true, true, false, false, false};
        AttentionInputs inputs = AttentionInputs.of(shape, new float[16], new float[16], new float[16], valid);
        AttentionConfig config = AttentionConfig.builder().hashes(1).clusterSize(2).globalKeys(-2).build();
        String cpu;
        try (CpuEngine engine = new CpuEngine(1)) {
            cpu = assertThrows(IllegalArgumentException.class, () -> engine.attend(config, inputs)).getMessage();
        }
        byte[] mask = {1, 1, 1, 1, 1, 0, 0, 0};
        String gpu = assertThrows(IllegalArgumentException.class,
                () -> GlobalKeyTable.resolve(new int[] {-2}, mask, 2, 4)).getMessage();
        assertEquals(cpu, gpu);
        assertThrows(IllegalArgumentException.class, () -> GlobalKeyTable.resolve(new int[] {4}, null, 1, 4));
    }
}
