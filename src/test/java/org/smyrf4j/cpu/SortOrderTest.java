package org.smyrf4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SortOrderTest {

    private static final float[] SPECIAL = {0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f, -1e-30f, 3.5f, -3.5f};

    /** docs/kernels.md's uint64 key, written out independently. */
    private static long gpuKey(float hash, boolean valid, int index) {
        long top;
        if (valid) {
            int bits = Float.floatToRawIntBits(hash);
            top = Integer.toUnsignedLong(bits ^ (bits < 0 ? 0xFFFFFFFF : 0x80000000));
        } else {
            top = 0xFFFFFFFFL;
        }
        return top << 32 | index;
    }

    @Test
    void signedOrderOfJavaKeysIsUnsignedOrderOfGpuKeys() {
        SplittableRandom random = new SplittableRandom(31);
        int checked = 0;
        for (int n = 0; n < 20_000; n++) {
            float a = n < SPECIAL.length ? SPECIAL[n]
                    : (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(20) - 10));
            float b = SPECIAL[random.nextInt(SPECIAL.length)];
            if (random.nextBoolean()) {
                b = (float) ((random.nextDouble() - 0.5) * 10);
            }
            boolean va = random.nextInt(5) > 0;
            boolean vb = random.nextInt(5) > 0;
            int ia = random.nextInt(1 << 20);
            int ib = random.nextBoolean() ? ia : random.nextInt(1 << 20);
            int expected = Long.signum(Long.compareUnsigned(gpuKey(a, va, ia), gpuKey(b, vb, ib)));
            int actual = Long.signum(Long.compare(SortOrder.sortKey(a, va, ia), SortOrder.sortKey(b, vb, ib)));
            assertEquals(expected, actual,
                    "(" + a + ", " + va + ", " + ia + ") vs (" + b + ", " + vb + ", " + ib + ")");
            assertEquals(ia, (int) SortOrder.sortKey(a, va, ia), "low half is the index");
            checked++;
        }
        assertEquals(20_000, checked);
    }

    @Test
    void radixOrderIsTheOrderOfTheSortedKeys() {
        SplittableRandom random = new SplittableRandom(37);
        int checked = 0;
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(trial < 100 ? 40 : 3000);
            int padded = n + random.nextInt(20);
            // Few distinct values (ties), specials, and wide-ranging values, some tokens invalid.
            float[] pool = new float[1 + random.nextInt(n)];
            for (int v = 0; v < pool.length; v++) {
                pool[v] = random.nextInt(4) == 0 ? SPECIAL[random.nextInt(SPECIAL.length)]
                        : (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(12) - 6));
            }
            float[] hashes = new float[n];
            boolean[] valid = new boolean[n];
            long[] keys = new long[padded];
            for (int i = 0; i < n; i++) {
                hashes[i] = pool[random.nextInt(pool.length)] + 0f; // hashing adds +0f: never -0
                valid[i] = random.nextInt(6) > 0;
                keys[i] = SortOrder.sortKey(hashes[i], valid[i], i);
            }
            for (int i = n; i < padded; i++) {
                keys[i] = SortOrder.sortKey(0f, false, i);
            }
            java.util.Arrays.sort(keys);
            int[] expected = new int[padded];
            for (int i = 0; i < padded; i++) {
                expected[i] = (int) keys[i];
            }
            try (WorkerPool workers = new WorkerPool(1)) {
                SortOrder.Side side = new SortOrder.Side(hashes, n, padded, (b, i) -> valid[i]);
                int[] actual = SortOrder.orders(workers, 1, 1, side, side)[0];
                for (int i = 0; i < padded; i++) {
                    int at = i;
                    assertEquals(expected[i], actual[i], () -> "trial n=" + hashes.length + ": first mismatch at "
                            + at + ": radix " + actual[at] + ", sorted keys " + expected[at]);
                }
            }
            checked++;
        }
        assertEquals(200, checked);
    }

    @Test
    void validByHashThenInvalidThenPlaceholders() {
        // One round, one row, 6 tokens padded to 8; token 2 invalid; tokens 1 and 4 tie.
        float[] hashes = {0.5f, -1f, -7f, 3f, -1f, -2f};
        boolean[] valid = {true, true, false, true, true, true};
        try (WorkerPool pool = new WorkerPool(2)) {
            SortOrder.Side side = new SortOrder.Side(hashes, 6, 8, (b, i) -> valid[i]);
            int[][] orders = SortOrder.orders(pool, 1, 1, side, side);
            assertArrayEquals(new int[] {5, 1, 4, 0, 3, 2, 6, 7}, orders[0]);
            assertArrayEquals(orders[0], orders[1]);
        }
    }

    @Test
    void positiveAndNegativeZeroHashesAreOneValue() {
        // Hashing adds +0f, so -0 never reaches the sort; keys of +0 order by index alone.
        float[] hashes = {0f, 0f, -1e-45f, 1e-45f};
        boolean[] valid = {true, true, true, true};
        try (WorkerPool pool = new WorkerPool(1)) {
            SortOrder.Side side = new SortOrder.Side(hashes, 4, 4, (b, i) -> valid[i]);
            assertArrayEquals(new int[] {2, 0, 1, 3}, SortOrder.orders(pool, 1, 1, side, side)[0]);
        }
    }
}
