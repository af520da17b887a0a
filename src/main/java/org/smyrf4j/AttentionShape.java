package org.smyrf4j;

/**
 * Sizes of one attention call: Q (batch, queryLen, dim), K (batch, keyLen, dim),
 * V (batch, keyLen, valueDim), output (batch, queryLen, valueDim). {@code batch} is batch x heads.
 */
public record AttentionShape(int batch, int queryLen, int keyLen, int dim, int valueDim) {

    public AttentionShape {
        requirePositive("batch", batch);
        requirePositive("queryLen", queryLen);
        requirePositive("keyLen", keyLen);
        requirePositive("dim", dim);
        requirePositive("valueDim", valueDim);
        // Every tensor is indexed with int: refuse sizes whose element count overflows.
        requireIndexable("Q", (long) batch * queryLen * dim);
        requireIndexable("K", (long) batch * keyLen * dim);
        requireIndexable("V", (long) batch * keyLen * valueDim);
        requireIndexable("output", (long) batch * queryLen * valueDim);
    }

    public int queryElements() { return batch * queryLen * dim; }

    public int keyElements() { return batch * keyLen * dim; }

    public int valueElements() { return batch * keyLen * valueDim; }

    public int outputElements() { return batch * queryLen * valueDim; }

    public int maskElements() { return batch * keyLen; }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    private static void requireIndexable(String tensor, long elements) {
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(tensor + " would hold " + elements
                    + " elements, more than a Java array can index");
        }
    }
}
