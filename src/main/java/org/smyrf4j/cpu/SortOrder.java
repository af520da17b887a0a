package org.smyrf4j.cpu;

import java.util.Arrays;

/**
 * SPEC step 4: per round and batch row, the tokens sorted by {@code (invalid, hash, index)},
 * over the padded length N' with the placeholders (index >= N) last.
 *
 * <p>The order is that of docs/kernels.md's uint64 sort key
 * {@code top << 32 | index}, {@code top = 0xFFFFFFFF} for an invalid token or a placeholder,
 * else the order-preserving bits of the hash ({@code bits ^ (negative ? 0xFFFFFFFF : 0x80000000)}),
 * compared unsigned. Java's long is signed, so {@link #sortKey} stores {@code top ^ 0x80000000}
 * in the high half: the signed order of these longs is the unsigned order of the GPU's keys, and
 * the low 32 bits are the index in both. Primitive longs sorted with {@link Arrays#sort(long[])}.
 */
final class SortOrder {

    /** Whether token i of batch row b is a real token. */
    @FunctionalInterface
    interface Validity {
        boolean valid(int b, int i);
    }

    /** One side to order: hashes (H, B, len), padded to paddedLen. */
    record Side(float[] hashes, int len, int paddedLen, Validity validity) {
    }

    /** The top half of an invalid token's or a placeholder's key (after the sign flip). */
    private static final int LAST = 0x7FFFFFFF;

    private SortOrder() {
    }

    /**
     * Orders of both sides: {@code result[s]} is (H, B, paddedLen_s), original indices in
     * sorted order.
     */
    static int[][] orders(WorkerPool pool, int hashes, int batch, Side queries, Side keys) {
        Side[] sides = {queries, keys};
        int[][] orders = {new int[hashes * batch * queries.paddedLen()], new int[hashes * batch * keys.paddedLen()]};
        int perSide = hashes * batch;
        int longest = Math.max(queries.paddedLen(), keys.paddedLen());
        pool.run(2 * perSide, () -> new long[longest], (item, keysScratch) -> {
            int s = item / perSide;
            int segment = item % perSide; // = r * batch + b
            int b = segment % batch;
            Side side = sides[s];
            int n = side.len();
            int padded = side.paddedLen();
            int hashBase = segment * n;
            for (int i = 0; i < n; i++) {
                keysScratch[i] = sortKey(side.hashes()[hashBase + i], side.validity().valid(b, i), i);
            }
            for (int i = n; i < padded; i++) {
                keysScratch[i] = sortKey(0f, false, i);
            }
            Arrays.sort(keysScratch, 0, padded);
            int orderBase = segment * padded;
            for (int i = 0; i < padded; i++) {
                orders[s][orderBase + i] = (int) keysScratch[i];
            }
        });
        return orders;
    }

    /**
     * The sort key of a token (signed order = docs/kernels.md's unsigned uint64 order).
     *
     * @param hash the token's hash value (ignored when invalid)
     * @param valid false for a masked token or a placeholder
     * @param index the token's original index, 0 <= index
     */
    static long sortKey(float hash, boolean valid, int index) {
        int top;
        if (valid) {
            int bits = Float.floatToRawIntBits(hash);
            // bits ^ (bits < 0 ? 0xFFFFFFFF : 0x80000000), then ^ 0x80000000 for the signed compare
            top = bits < 0 ? bits ^ 0x7FFFFFFF : bits;
        } else {
            top = LAST;
        }
        return ((long) top << 32) | (index & 0xFFFFFFFFL);
    }
}
