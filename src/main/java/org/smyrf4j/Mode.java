package org.smyrf4j;

/** Which attention to compute. */
public enum Mode {
    /** SMYRF clustered attention (SPEC.md steps 1-7). */
    SMYRF,
    /** Exact softmax attention. */
    DENSE,
    /** Dense when SMYRF would not be cheaper ({@code H * Ck >= Nk}), else SMYRF. */
    AUTO;

    /** Parses {@code smyrf|dense|auto}, case-insensitively. */
    public static Mode parse(String text) {
        for (Mode m : values()) {
            if (m.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be smyrf, dense or auto, got '" + text + "'");
    }
}
