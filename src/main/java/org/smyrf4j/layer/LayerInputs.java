package org.smyrf4j.layer;

/**
 * The inputs of one {@link MultiHeadAttention} call, float32 row-major host arrays:
 * <ul>
 *   <li>x (B, N, dmodel): the queries' tokens, and the keys' too in self-attention;</li>
 *   <li>memory (B, M, dmodel), optional: the keys' and values' tokens in cross-attention;</li>
 *   <li>keyValid (B, M), or (B, N) in self-attention, optional: false marks a padded key.</li>
 * </ul>
 * Validated on construction (lengths, finite values). The arrays are not copied: callers must
 * not change them while a call runs.
 */
public final class LayerInputs {

    private final int batch;
    private final int queryLen;
    private final int keyLen;
    private final int modelDim;
    private final float[] x;
    private final float[] memory;
    private final boolean[] keyValid;

    private LayerInputs(int batch, int queryLen, int keyLen, int modelDim, float[] x, float[] memory,
            boolean[] keyValid) {
        requirePositive("batch", batch);
        requirePositive("tokens", queryLen);
        requirePositive("memoryTokens", keyLen);
        requirePositive("modelDim", modelDim);
        requireTensor("x", x, batch, queryLen, modelDim);
        if (memory != null) {
            requireTensor("memory", memory, batch, keyLen, modelDim);
        }
        if (keyValid != null && (long) batch * keyLen != keyValid.length) {
            throw new IllegalArgumentException("keyValid must hold (batch, keyLen) = (" + batch + ", " + keyLen
                    + ") = " + (long) batch * keyLen + " values, got " + keyValid.length);
        }
        this.batch = batch;
        this.queryLen = queryLen;
        this.keyLen = keyLen;
        this.modelDim = modelDim;
        this.x = x;
        this.memory = memory;
        this.keyValid = keyValid;
    }

    /** Self-attention: queries, keys and values all from x (batch, tokens, modelDim). */
    public static LayerInputs selfAttention(float[] x, int batch, int tokens, int modelDim) {
        return new LayerInputs(batch, tokens, tokens, modelDim, x, null, null);
    }

    /**
     * Cross-attention: queries from x (batch, tokens, modelDim), keys and values from memory
     * (batch, memoryTokens, modelDim).
     */
    public static LayerInputs crossAttention(float[] x, int batch, int tokens, float[] memory, int memoryTokens,
            int modelDim) {
        if (memory == null) {
            throw new IllegalArgumentException("memory must not be null for cross-attention");
        }
        return new LayerInputs(batch, tokens, memoryTokens, modelDim, x, memory, null);
    }

    /**
     * These inputs with a key padding mask (batch, keyLen), false = padded key; null for none.
     * In self-attention the mask marks the padded queries too (SPEC step 4), and their output
     * rows are not meaningful.
     */
    public LayerInputs withKeyValid(boolean[] keyValid) {
        return new LayerInputs(batch, queryLen, keyLen, modelDim, x, memory, keyValid);
    }

    public int batch() { return batch; }

    /** N, the tokens of x. */
    public int queryLen() { return queryLen; }

    /** M, the tokens of memory; N in self-attention. */
    public int keyLen() { return keyLen; }

    public int modelDim() { return modelDim; }

    /** x (batch, queryLen, modelDim); the caller's array. */
    public float[] x() { return x; }

    /** memory (batch, keyLen, modelDim), or null in self-attention; the caller's array. */
    public float[] memory() { return memory; }

    /** The tokens keys and values are projected from: memory, or x in self-attention. */
    public float[] keySource() { return memory != null ? memory : x; }

    /** The mask (batch, keyLen), or null; the caller's array. */
    public boolean[] keyValid() { return keyValid; }

    public boolean isCrossAttention() { return memory != null; }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    private static void requireTensor(String name, float[] data, int batch, int len, int modelDim) {
        long expected = (long) batch * len * modelDim;
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " (" + batch + ", " + len + ", " + modelDim + ") would hold "
                    + expected + " values, more than a Java array can index");
        }
        if (data == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (data.length != expected) {
            throw new IllegalArgumentException(name + " must hold (batch, tokens, dmodel) = (" + batch + ", " + len
                    + ", " + modelDim + ") = " + expected + " values, got " + data.length);
        }
        Linear.requireFinite(name, data);
    }
}
