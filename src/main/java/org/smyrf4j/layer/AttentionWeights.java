package org.smyrf4j.layer;

import java.util.Objects;

/**
 * The four projections of a multi-head attention layer, each (dmodel, dmodel) in
 * {@code nn.Linear} layout: Wq, Wk, Wv on the inputs and Wo on the merged heads.
 * {@code org.smyrf4j.weights.AttentionWeightsLoader} reads them from .safetensors or .npy files.
 */
public final class AttentionWeights {

    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;

    /**
     * @throws IllegalArgumentException when a projection is not (dmodel, dmodel) with the
     *                                  query's dmodel
     */
    public AttentionWeights(Linear query, Linear key, Linear value, Linear output) {
        this.query = Objects.requireNonNull(query, "query");
        this.key = Objects.requireNonNull(key, "key");
        this.value = Objects.requireNonNull(value, "value");
        this.output = Objects.requireNonNull(output, "output");
        int d = query.outFeatures();
        requireSquare("query", query, d);
        requireSquare("key", key, d);
        requireSquare("value", value, d);
        requireSquare("output", output, d);
    }

    public Linear query() { return query; }

    public Linear key() { return key; }

    public Linear value() { return value; }

    public Linear output() { return output; }

    /** The model width dmodel: every projection is (dmodel, dmodel). */
    public int modelDim() { return query.outFeatures(); }

    private static void requireSquare(String name, Linear layer, int d) {
        if (layer.outFeatures() != d || layer.inFeatures() != d) {
            throw new IllegalArgumentException(name + ".weight must be (dmodel, dmodel) = (" + d + ", " + d
                    + ") with dmodel from query.weight, got (" + layer.outFeatures() + ", " + layer.inFeatures() + ")");
        }
    }

    @Override
    public String toString() {
        return "AttentionWeights(dmodel=" + modelDim() + (query.hasBias() ? ")" : ", no biases)");
    }
}
