package org.smyrf4j.cuda;

import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Whether the CUDA engine runs SMYRF's plain hash rounds on the tensor-core cluster attention
 * ({@code smyrf_cluster_attention_tc}: QK^T and PV on TF32 tensor cores with the 3xTF32 split,
 * float32 accuracy by design, about 1e-6 relative on the CPU emulation) instead of the CUDA-core one. Off by default: the
 * kernel has not run on a GPU yet. The extension kernels (global keys, union softmax) and the
 * local window's round keep their CUDA-core kernels either way.
 *
 * <p>{@code -Dsmyrf4j.cuda.tensorCores=off|on}, else the environment variable
 * {@code SMYRF4J_TENSOR_CORES}, gives the setting {@link #fromEnvironment()} reads.
 */
public enum TensorCores {
    OFF, ON;

    /** System property: off or on. */
    public static final String PROPERTY = "smyrf4j.cuda.tensorCores";
    /** Environment variable read when the property is absent. */
    public static final String ENV = "SMYRF4J_TENSOR_CORES";

    /**
     * off or on, case-insensitively.
     *
     * @param source what the value came from, for the message (e.g. "--tensor-cores")
     * @throws IllegalArgumentException naming the source and the value
     */
    public static TensorCores parse(String value, String source) {
        if (value != null) {
            for (TensorCores t : values()) {
                if (t.name().equalsIgnoreCase(value.trim())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException(source + " must be off or on, got '"
                + (value == null ? null : value.trim().toLowerCase(Locale.ROOT)) + "'");
    }

    /**
     * The setting {@value #PROPERTY} asks for, else {@value #ENV}, else {@link #OFF}.
     *
     * @throws IllegalArgumentException naming the property or variable when its value is neither off nor on
     */
    public static TensorCores fromEnvironment() {
        return fromLookup(System::getProperty, System::getenv);
    }

    /** {@link #fromEnvironment()} on any lookups of properties and variables (tests pass maps). */
    static TensorCores fromLookup(UnaryOperator<String> property, UnaryOperator<String> environment) {
        String value = property.apply(PROPERTY);
        if (value != null && !value.isBlank()) {
            return parse(value, "-D" + PROPERTY);
        }
        value = environment.apply(ENV);
        if (value != null && !value.isBlank()) {
            return parse(value, ENV);
        }
        return OFF;
    }

    /** "off" or "on". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
