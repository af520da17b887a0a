package org.smyrf4j.weights;

import java.util.Locale;

/** Where common checkpoints keep the four attention projections, relative to a layer prefix. */
public enum NamingPreset {

    /** Hugging Face BERT: {@code attention.self.query}, ..., {@code attention.output.dense}. */
    BERT("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"),
    /** {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj} (BART, OPT, Whisper, ...). */
    QKVO("q_proj", "k_proj", "v_proj", "out_proj");

    private final String query;
    private final String key;
    private final String value;
    private final String output;

    NamingPreset(String query, String key, String value, String output) {
        this.query = query;
        this.key = key;
        this.value = value;
        this.output = output;
    }

    /** The names under {@code prefix} (see {@link TensorNames#withPrefix}). */
    public TensorNames names(String prefix) {
        return new TensorNames(query, key, value, output).withPrefix(prefix);
    }

    /** The preset's lower-case name, as the CLI spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * bert or qkvo, case-insensitively.
     *
     * @throws IllegalArgumentException listing the presets
     */
    public static NamingPreset parse(String text) {
        for (NamingPreset p : values()) {
            if (p.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("preset must be bert or qkvo, got '" + text + "'");
    }
}
