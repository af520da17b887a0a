package org.smyrf4j.cpu;

/**
 * The vector kernel once its warm-up has run, the scalar kernel until then.
 *
 * <p>Why: before the JIT has compiled it, Vector API code is interpreted or runs in C1, where
 * every vector operation allocates (30-60x slower than compiled in C1, over 1000x interpreted;
 * see {@link KernelWarmUp}); plain loops lose far less there and allocate nothing. A cold JVM's
 * first call (the CLI's one call) thus gets through its early blocks on the scalar kernel
 * while the warm-up compiles the vector one on another worker.
 *
 * <p>The two kernels perform the same float operations in the same order (see
 * {@link BlockAttention}), so results do not depend on which one ran, nor on when the switch
 * happened, even inside a block. Blocks take the vector kernel's width (a multiple of its
 * lanes), which the scalar loops handle like any other width.
 */
final class WarmingBlockAttention extends BlockAttention {

    private final BlockAttention vector;
    private final BlockAttention scalar = new ScalarBlockAttention();
    private volatile boolean vectorReady;

    WarmingBlockAttention(BlockAttention vector) {
        this.vector = vector;
    }

    /** The kernel the warm-up compiles. */
    BlockAttention vector() {
        return vector;
    }

    /** From now on every operation runs on the vector kernel. */
    void vectorReady() {
        vectorReady = true;
    }

    boolean isVectorReady() {
        return vectorReady;
    }

    private BlockAttention active() {
        return vectorReady ? vector : scalar;
    }

    @Override
    int lanes() {
        return vector.lanes();
    }

    @Override
    String name() {
        return vector.name();
    }

    @Override
    void normalize(BlockScratch s) {
        active().normalize(s);
    }

    @Override
    void logits(BlockScratch s, float[] k, int[] keyRows, int from, int tileKeys) {
        active().logits(s, k, keyRows, from, tileKeys);
    }

    @Override
    void softmaxTile(BlockScratch s, int tileKeys) {
        active().softmaxTile(s, tileKeys);
    }

    @Override
    void accumulate(BlockScratch s, float[] v, int[] keyRows, int from, int tileKeys) {
        active().accumulate(s, v, keyRows, from, tileKeys);
    }
}
