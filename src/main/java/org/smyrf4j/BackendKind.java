package org.smyrf4j;

/** The engines that can run attention. */
public enum BackendKind {
    CPU, CUDA;

    /** Parses {@code cpu|cuda}, case-insensitively. */
    public static BackendKind parse(String text) {
        for (BackendKind b : values()) {
            if (b.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("backend must be cpu or cuda, got '" + text + "'");
    }
}
