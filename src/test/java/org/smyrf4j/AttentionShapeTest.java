package org.smyrf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.smyrf4j.Messages.assertRefused;

import org.junit.jupiter.api.Test;

class AttentionShapeTest {

    @Test
    void everySizeMustBePositive() {
        assertRefused(() -> new AttentionShape(0, 1, 1, 1, 1), "batch", "0");
        assertRefused(() -> new AttentionShape(1, -3, 1, 1, 1), "queryLen", "-3");
        assertRefused(() -> new AttentionShape(1, 1, 0, 1, 1), "keyLen", "0");
        assertRefused(() -> new AttentionShape(1, 1, 1, -1, 1), "dim", "-1");
        assertRefused(() -> new AttentionShape(1, 1, 1, 1, 0), "valueDim", "0");
    }

    @Test
    void tensorsMustFitAJavaArray() {
        assertRefused(() -> new AttentionShape(1 << 16, 1 << 16, 1, 1, 1), "Q", String.valueOf(1L << 32));
        assertRefused(() -> new AttentionShape(1, 1, 1 << 20, 1, 4096), "V", String.valueOf(1L << 32));
    }

    @Test
    void elementCounts() {
        AttentionShape s = new AttentionShape(2, 3, 5, 7, 11);
        assertEquals(42, s.queryElements());
        assertEquals(70, s.keyElements());
        assertEquals(110, s.valueElements());
        assertEquals(66, s.outputElements());
        assertEquals(10, s.maskElements());
    }
}
