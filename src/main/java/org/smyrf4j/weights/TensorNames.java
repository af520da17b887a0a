package org.smyrf4j.weights;

import java.util.List;

/**
 * The tensor names of the four projections, without the {@code .weight} / {@code .bias}
 * suffixes: e.g. {@code bert.encoder.layer.0.attention.self.query}. The presets are in
 * {@link NamingPreset}; any other checkpoint layout is one constructor call.
 */
public record TensorNames(String query, String key, String value, String output) {

    public static final String WEIGHT = ".weight";
    public static final String BIAS = ".bias";

    public TensorNames {
        for (String name : new String[] {query, key, value, output}) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("tensor names must be non-empty, got '" + name + "'");
            }
        }
    }

    /**
     * These names after {@code prefix}, e.g. {@code bert.encoder.layer.0.}; a prefix without its
     * trailing dot gets one, as PyTorch separates every level with a dot. Null or "" adds nothing.
     */
    public TensorNames withPrefix(String prefix) {
        String p = prefix == null || prefix.isEmpty() || prefix.endsWith(".") ? (prefix == null ? "" : prefix)
                : prefix + ".";
        return new TensorNames(p + query, p + key, p + value, p + output);
    }

    /** The projections' names in the order query, key, value, output. */
    public List<String> all() {
        return List.of(query, key, value, output);
    }
}
