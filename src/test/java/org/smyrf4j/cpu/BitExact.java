package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.fail;

/** Bit-for-bit comparison of results, naming the first mismatching index with both values. */
final class BitExact {

    private BitExact() {
    }

    /** Index of the first element whose bits differ, -1 when none (lengths must match). */
    static int firstDifference(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            return Math.min(expected.length, actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                return i;
            }
        }
        return -1;
    }

    static void assertSame(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": lengths differ, expected " + expected.length + ", actual " + actual.length);
        }
        int i = firstDifference(expected, actual);
        if (i >= 0) {
            fail(what + ": first difference at index " + i + ": expected " + expected[i] + ", actual " + actual[i]);
        }
    }

    static void assertSame(int[] expected, int[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": lengths differ, expected " + expected.length + ", actual " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(what + ": first difference at index " + i + ": expected " + expected[i] + ", actual " + actual[i]);
            }
        }
    }
}
