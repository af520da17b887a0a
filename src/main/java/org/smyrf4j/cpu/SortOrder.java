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
 * the low 32 bits are the index in both.
 *
 * <p>The sort itself is a stable least-significant-digit radix sort on the GPU's 32-bit top
 * alone (4 passes of 8 bits, passes where every token has the same digit skipped): tokens
 * enter in index order, so stability breaks ties by index exactly as the full 64-bit key does.
 * It gives the order of sorting the {@link #sortKey} longs (SortOrderTest checks that) in about
 * a fifth of the time of {@link Arrays#sort(long[])} at N = 16384.
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
    /** The same, as the GPU writes it (unsigned). */
    private static final int GPU_LAST = 0xFFFFFFFF;

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
        pool.run(2 * perSide, () -> new RadixScratch(longest), (item, scratch) -> {
            int s = item / perSide;
            int segment = item % perSide; // = r * batch + b
            int b = segment % batch;
            Side side = sides[s];
            int n = side.len();
            int padded = side.paddedLen();
            int hashBase = segment * n;
            int[] tops = scratch.tops;
            for (int i = 0; i < n; i++) {
                tops[i] = gpuTop(side.hashes()[hashBase + i], side.validity().valid(b, i));
            }
            for (int i = n; i < padded; i++) {
                tops[i] = GPU_LAST;
            }
            scratch.sort(padded, orders[s], segment * padded);
        });
        return orders;
    }

    /** The high half of docs/kernels.md's uint64 key, as an int compared unsigned. */
    static int gpuTop(float hash, boolean valid) {
        if (!valid) {
            return GPU_LAST;
        }
        int bits = Float.floatToRawIntBits(hash);
        return bits ^ (bits < 0 ? 0xFFFFFFFF : 0x80000000);
    }

    /** One worker's buffers: the tops of a segment, and a stable radix sort of them. */
    static final class RadixScratch {
        private static final int DIGIT_BITS = 8;
        private static final int BUCKETS = 1 << DIGIT_BITS;
        private static final int PASSES = Integer.SIZE / DIGIT_BITS;

        final int[] tops;
        private final int[] topsSwap;
        private final int[] indices;
        private final int[] indicesSwap;
        private final int[] counts = new int[PASSES * BUCKETS];

        RadixScratch(int capacity) {
            tops = new int[capacity];
            topsSwap = new int[capacity];
            indices = new int[capacity];
            indicesSwap = new int[capacity];
        }

        /**
         * Writes to {@code out[outBase .. outBase+count)} the indices 0..count-1 ordered by
         * {@code tops} (unsigned), ties in index order. Overwrites {@code tops}.
         */
        void sort(int count, int[] out, int outBase) {
            Arrays.fill(counts, 0);
            for (int i = 0; i < count; i++) {
                int t = tops[i];
                counts[t & 0xFF]++;
                counts[BUCKETS + ((t >>> 8) & 0xFF)]++;
                counts[2 * BUCKETS + ((t >>> 16) & 0xFF)]++;
                counts[3 * BUCKETS + (t >>> 24)]++;
                indices[i] = i;
            }
            int[] srcTops = tops;
            int[] srcIdx = indices;
            int[] dstTops = topsSwap;
            int[] dstIdx = indicesSwap;
            for (int pass = 0; pass < PASSES; pass++) {
                int base = pass * BUCKETS;
                int shift = pass * DIGIT_BITS;
                if (counts[base + ((srcTops[0] >>> shift) & 0xFF)] == count) {
                    continue; // every token has this digit: the pass would not move anything
                }
                int offset = 0;
                for (int d = base; d < base + BUCKETS; d++) {
                    int c = counts[d];
                    counts[d] = offset;
                    offset += c;
                }
                for (int i = 0; i < count; i++) {
                    int t = srcTops[i];
                    int at = counts[base + ((t >>> shift) & 0xFF)]++;
                    dstTops[at] = t;
                    dstIdx[at] = srcIdx[i];
                }
                int[] swap = srcTops;
                srcTops = dstTops;
                dstTops = swap;
                swap = srcIdx;
                srcIdx = dstIdx;
                dstIdx = swap;
            }
            System.arraycopy(srcIdx, 0, out, outBase, count);
        }
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
