package org.smyrf4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.smyrf4j.Messages.assertRefused;

import org.junit.jupiter.api.Test;

class AttentionInputsTest {

    private static final AttentionShape SHAPE = new AttentionShape(2, 3, 4, 2, 5);

    private static float[] zeros(int n) {
        return new float[n];
    }

    @Test
    void arraysMustHaveTheShapesLength() {
        assertRefused(() -> AttentionInputs.of(SHAPE, zeros(11), zeros(16), zeros(40)), "q", "12", "got 11");
        assertRefused(() -> AttentionInputs.of(SHAPE, zeros(12), zeros(17), zeros(40)), "k", "16", "got 17");
        assertRefused(() -> AttentionInputs.of(SHAPE, zeros(12), zeros(16), zeros(8)), "v", "40", "got 8");
        assertRefused(() -> AttentionInputs.of(SHAPE, zeros(12), zeros(16), zeros(40), new boolean[4]),
                "keyValid", "8", "got 4");
        assertRefused(() -> AttentionInputs.of(SHAPE, null, zeros(16), zeros(40)), "q", "null");
    }

    @Test
    void valuesMustBeFinite() {
        float[] q = zeros(12);
        q[7] = Float.NaN;
        assertRefused(() -> AttentionInputs.of(SHAPE, q, zeros(16), zeros(40)), "q", "NaN", "index 7");
        float[] k = zeros(16);
        k[0] = Float.POSITIVE_INFINITY;
        assertRefused(() -> AttentionInputs.of(SHAPE, zeros(12), k, zeros(40)), "k", "Infinity", "index 0");
        float[] v = zeros(40);
        v[39] = Float.NEGATIVE_INFINITY;
        assertRefused(() -> AttentionInputs.of(SHAPE, zeros(12), zeros(16), v), "v", "-Infinity", "index 39");
    }

    @Test
    void queriesFollowTheKeyMaskOnlyForEqualLengths() {
        boolean[] mask = {true, false, true, true, true, true, true, false};
        AttentionInputs cross = AttentionInputs.of(SHAPE, zeros(12), zeros(16), zeros(40), mask);
        assertFalse(cross.isKeyValid(0, 1));
        assertTrue(cross.isQueryValid(0, 1), "Nq != Nk: every query is valid");
        AttentionShape self = new AttentionShape(2, 4, 4, 2, 5);
        AttentionInputs selfAttention = AttentionInputs.of(self, zeros(16), zeros(16), zeros(40), mask);
        assertFalse(selfAttention.isQueryValid(0, 1));
        assertFalse(selfAttention.isQueryValid(1, 3));
        assertTrue(selfAttention.isQueryValid(1, 2));
    }
}
