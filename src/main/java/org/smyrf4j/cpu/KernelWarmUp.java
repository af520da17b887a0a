package org.smyrf4j.cpu;

import java.util.function.BooleanSupplier;

/**
 * Runs a {@link BlockAttention} kernel on small synthetic blocks so that the JIT compiles its
 * loops before real work needs them.
 *
 * <p>Why: Vector API code runs 30-60x slower than compiled in C1 and over 1000x slower in the
 * interpreter (measured on a small block: 68 us compiled, about 4 ms in C1, about 150 ms
 * interpreted), and a method reaches C2 only after thousands of invocations. Real blocks
 * (d = 64, 128 keys) make each of those early invocations expensive: a cold first call of the
 * issue's case spent seconds there. Tiny blocks reach the same invocation counts for a small
 * fraction of that work. The shapes cover every path of the kernel (register-tile remainders,
 * scalar value columns, several key tiles) so that compiled code does not meet an untaken
 * branch later and deoptimise.
 *
 * <p>Touches only its own arrays: results of concurrent calls are unaffected.
 */
final class KernelWarmUp {

    /** Calls of every register tile on minimal operands: past C2's 5000 invocations with margin. */
    static final int TILE_CALLS = 12_000;
    /** Calls per step between checks of the stop signal. */
    private static final int TILE_STEP = 500;
    /** Whole synthetic blocks afterwards, for the loops around the register tiles. */
    static final int BLOCKS = 1200;
    /** One block in this many uses more keys than a tile, to compile the rescaling path. */
    private static final int MULTI_TILE_EVERY = 16;

    private KernelWarmUp() {
    }

    /** Runs the warm-up, returning early when {@code stop} says so. */
    static void run(BlockAttention kernel, BooleanSupplier stop) {
        int lanes = kernel.lanes();
        int capacity = kernel.blockCapacity();
        Shape[] shapes = {
            // every register tile at full size, two quads of keys
            new Shape(kernel, 4, 4 * lanes, capacity, 8),
            // remainders: a lone query vector, queries not a multiple of 4, odd value columns, odd keys
            new Shape(kernel, 3, 5 * lanes + 3, capacity - 1, 7),
            new Shape(kernel, 2, lanes, lanes + 1, 5),
            // more keys than one tile: the online-softmax rescale
            new Shape(kernel, 1, lanes, 3, BlockAttention.KEY_TILE + 3),
        };
        for (int n = 0; n < TILE_CALLS && !stop.getAsBoolean(); n += TILE_STEP) {
            kernel.exerciseTiles(TILE_STEP, true);
        }
        for (int n = 0; n < TILE_CALLS && !stop.getAsBoolean(); n += TILE_STEP) {
            kernel.exerciseTiles(TILE_STEP, false);
        }
        for (int n = 0; n < BLOCKS && !stop.getAsBoolean(); n++) {
            Shape s = n % MULTI_TILE_EVERY == MULTI_TILE_EVERY - 1 ? shapes[3] : shapes[n % 3];
            s.run(kernel);
        }
    }

    /** One synthetic block: its inputs and scratch. */
    private static final class Shape {
        private final BlockScratch scratch;
        private final float[] q;
        private final float[] k;
        private final float[] v;
        private final int[] keyRows;
        private final int count;

        Shape(BlockAttention kernel, int dim, int valueDim, int count, int keys) {
            this.scratch = new BlockScratch(dim, valueDim, 0.5f, kernel.blockCapacity());
            this.count = count;
            this.q = pattern(count * dim, 0.25f);
            this.k = pattern(keys * dim, -0.5f);
            this.v = pattern(keys * valueDim, 1f);
            this.keyRows = new int[keys];
            for (int j = 0; j < keys; j++) {
                keyRows[j] = keys - 1 - j;
            }
        }

        void run(BlockAttention kernel) {
            scratch.startBlock(count, kernel.widthFor(count));
            for (int t = 0; t < count; t++) {
                scratch.putQuery(q, t, t);
            }
            kernel.attend(k, v, keyRows, keyRows.length, scratch);
        }

    }

    /** Small finite values without any randomness. */
    static float[] pattern(int n, float amplitude) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = amplitude * ((i * 37 % 19) - 9) / 9f;
        }
        return a;
    }
}
