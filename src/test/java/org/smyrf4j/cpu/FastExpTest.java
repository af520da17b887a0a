package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

class FastExpTest {

    /** Degree-7 Taylor polynomial after range reduction: measured worst case is 1 ulp here. */
    private static final int MAX_ULPS = 2;

    @Test
    void exactAtZeroAndZeroBelowTheCutoff() {
        assertEquals(1f, FastExp.exp(0f));
        assertEquals(1f, FastExp.exp(-0f));
        assertEquals(0f, FastExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FastExp.exp(-87.01f));
        assertEquals(0f, FastExp.exp(-1e30f));
        assertEquals(0f, FastExp.exp(Float.NaN));
    }

    @Test
    void withinTwoUlpOfTheCorrectlyRoundedExp() {
        int checked = 0;
        for (float x = FastExp.CUTOFF; x <= 0f; x += 1.3e-4f) {
            check(x);
            checked++;
        }
        for (float x = -1e-3f; x <= 0f; x = Math.nextUp(x) + 1e-9f) {
            check(x);
            checked++;
        }
        assertEquals(true, checked > 600_000, "checked " + checked);
    }

    private static void check(float x) {
        float expected = (float) Math.exp(x);
        float actual = FastExp.exp(x);
        int ulps = Math.abs(Float.floatToIntBits(actual) - Float.floatToIntBits(expected));
        if (ulps > MAX_ULPS) {
            fail("exp(" + x + "): " + actual + ", correctly rounded " + expected + " (" + ulps + " ulp)");
        }
    }
}
