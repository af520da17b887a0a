package org.smyrf4j.layer;

/**
 * The weights of one projection in PyTorch {@code nn.Linear} layout: weight (out, in) row-major
 * and an optional bias (out); it maps x (rows, in) to {@code x W^T + b} (rows, out).
 * Validated on construction (lengths, finite values); the arrays are not copied, so callers
 * must not change them while a layer uses them.
 */
public final class Linear {

    private final float[] weight;
    private final float[] bias;
    private final int outFeatures;
    private final int inFeatures;

    private Linear(float[] weight, float[] bias, int outFeatures, int inFeatures) {
        this.weight = weight;
        this.bias = bias;
        this.outFeatures = outFeatures;
        this.inFeatures = inFeatures;
    }

    /**
     * A projection; {@code name} (e.g. "query") only labels errors.
     *
     * @param weight (outFeatures, inFeatures) row-major. Not copied.
     * @param bias   (outFeatures), or null for none. Not copied.
     * @throws IllegalArgumentException for sizes <= 0, lengths that do not match, or a value
     *                                  that is NaN or infinite
     */
    public static Linear of(String name, float[] weight, float[] bias, int outFeatures, int inFeatures) {
        if (outFeatures <= 0 || inFeatures <= 0) {
            throw new IllegalArgumentException(name + " must have out, in > 0, got (" + outFeatures + ", "
                    + inFeatures + ")");
        }
        if (weight == null || (long) outFeatures * inFeatures != weight.length) {
            throw new IllegalArgumentException(name + ".weight must hold (out, in) = (" + outFeatures + ", "
                    + inFeatures + ") = " + (long) outFeatures * inFeatures + " values, got "
                    + (weight == null ? "null" : weight.length));
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException(name + ".bias must hold out = " + outFeatures + " values, got "
                    + bias.length);
        }
        requireFinite(name + ".weight", weight);
        if (bias != null) {
            requireFinite(name + ".bias", bias);
        }
        return new Linear(weight, bias, outFeatures, inFeatures);
    }

    /** (out, in) row-major; the array itself, not a copy. */
    public float[] weight() { return weight; }

    /** (out), or null when the projection has no bias; the array itself, not a copy. */
    public float[] bias() { return bias; }

    public int outFeatures() { return outFeatures; }

    public int inFeatures() { return inFeatures; }

    public boolean hasBias() { return bias != null; }

    static void requireFinite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(name + " must be finite, got " + values[i] + " at index " + i);
            }
        }
    }

    @Override
    public String toString() {
        return "Linear(" + outFeatures + ", " + inFeatures + (bias == null ? ", no bias)" : ")");
    }
}
