package org.smyrf4j;

import java.util.Objects;

/**
 * Host-resident inputs of one attention call: Q (B, Nq, d), K (B, Nk, d), V (B, Nk, dv), all
 * float32 row-major, and an optional key validity mask (B, Nk) where false marks a padded key.
 * The arrays are not copied: callers must not change them while a call runs.
 * Validated on construction: lengths match the shape and every value is finite.
 */
public final class AttentionInputs {

    private final AttentionShape shape;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final boolean[] keyValid;

    private AttentionInputs(AttentionShape shape, float[] q, float[] k, float[] v, boolean[] keyValid) {
        this.shape = Objects.requireNonNull(shape, "shape");
        this.q = requireTensor("q", q, shape.queryElements(), "(batch, queryLen, dim)", shape);
        this.k = requireTensor("k", k, shape.keyElements(), "(batch, keyLen, dim)", shape);
        this.v = requireTensor("v", v, shape.valueElements(), "(batch, keyLen, valueDim)", shape);
        if (keyValid != null && keyValid.length != shape.maskElements()) {
            throw new IllegalArgumentException("keyValid must hold batch x keyLen = " + shape.batch() + " x "
                    + shape.keyLen() + " = " + shape.maskElements() + " values, got " + keyValid.length);
        }
        this.keyValid = keyValid;
    }

    /** Inputs without a mask. */
    public static AttentionInputs of(AttentionShape shape, float[] q, float[] k, float[] v) {
        return new AttentionInputs(shape, q, k, v, null);
    }

    /** Inputs with a key validity mask (null for none). */
    public static AttentionInputs of(AttentionShape shape, float[] q, float[] k, float[] v, boolean[] keyValid) {
        return new AttentionInputs(shape, q, k, v, keyValid);
    }

    public AttentionShape shape() { return shape; }

    /** Q, (batch, queryLen, dim); the caller's array, not a copy. */
    public float[] q() { return q; }

    /** K, (batch, keyLen, dim); the caller's array, not a copy. */
    public float[] k() { return k; }

    /** V, (batch, keyLen, valueDim); the caller's array, not a copy. */
    public float[] v() { return v; }

    /** The key validity mask (batch, keyLen), or null when every key is valid. */
    public boolean[] keyValid() { return keyValid; }

    public boolean hasMask() { return keyValid != null; }

    /** Whether key j of batch row b is a real token. */
    public boolean isKeyValid(int b, int j) {
        return keyValid == null || keyValid[b * shape.keyLen() + j];
    }

    /**
     * Whether query i of batch row b is a real token: with a mask and equal lengths
     * (self-attention padding) query i is valid exactly when key i is (SPEC step 4).
     */
    public boolean isQueryValid(int b, int i) {
        return keyValid == null || shape.queryLen() != shape.keyLen() || keyValid[b * shape.keyLen() + i];
    }

    private static float[] requireTensor(String name, float[] data, int expected, String layout, AttentionShape s) {
        if (data == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (data.length != expected) {
            throw new IllegalArgumentException(name + " must hold " + layout + " = " + expected
                    + " values for " + s + ", got " + data.length);
        }
        for (int i = 0; i < data.length; i++) {
            // x - x is 0 exactly when x is finite (inf - inf and NaN give NaN). No method call:
            // a cold JVM runs this loop interpreted while the compilers are busy elsewhere.
            float x = data[i];
            if (x - x != 0f) {
                throw new IllegalArgumentException(name + " must be finite, got " + x + " at index " + i);
            }
        }
        return data;
    }
}
