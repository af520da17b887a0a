package org.smyrf4j.cuda;

import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What a CUDA layer's projections should run on. {@code -Dsmyrf4j.gemm=auto|cublas|kernels} and
 * {@code -Dsmyrf4j.gemm.tf32=true|false} give the settings {@link #fromSystemProperties()} reads.
 *
 * @param request which GEMM: {@link Request#AUTO} cuBLAS when it loads and starts, else the
 *                kernel pack's; {@link Request#CUBLAS} cuBLAS or an error; {@link Request#KERNELS}
 *                the kernel pack's
 * @param tf32    cuBLAS only: TF32 tensor cores ({@code CUBLAS_COMPUTE_32F_FAST_TF32}), which
 *                loosens the agreement with the CPU layer to about 1e-3 relative (normwise; float32
 *                GEMMs stay near 1e-6, well inside the 1e-4 bar); the kernel pack's GEMM is
 *                float32 either way
 */
public record GemmSettings(Request request, boolean tf32) {

    /** System property naming the GEMM: auto, cublas or kernels. */
    public static final String PROPERTY = "smyrf4j.gemm";
    /** System property switching cuBLAS to TF32: true or false. */
    public static final String TF32_PROPERTY = "smyrf4j.gemm.tf32";

    /** cuBLAS when it runs here, in float32; else the kernel pack's GEMM. */
    public static final GemmSettings DEFAULT = new GemmSettings(Request.AUTO, false);

    /** Which GEMM to use. */
    public enum Request {
        AUTO, CUBLAS, KERNELS;

        /**
         * auto, cublas or kernels, case-insensitively.
         *
         * @throws IllegalArgumentException naming the value and the choices
         */
        public static Request parse(String value) {
            for (Request r : values()) {
                if (value != null && r.name().equalsIgnoreCase(value.trim())) {
                    return r;
                }
            }
            throw new IllegalArgumentException("gemm must be auto, cublas or kernels, got '"
                    + (value == null ? null : value.trim().toLowerCase(Locale.ROOT)) + "'");
        }
    }

    public GemmSettings {
        Objects.requireNonNull(request, "request");
    }

    /**
     * The settings {@value #PROPERTY} and {@value #TF32_PROPERTY} ask for; {@link #DEFAULT} where
     * they are absent.
     *
     * @throws IllegalArgumentException naming the property when a value is not one of its choices
     */
    public static GemmSettings fromSystemProperties() {
        return fromProperties(System::getProperty);
    }

    /** {@link #fromSystemProperties()} on any lookup of property values (tests pass a map). */
    static GemmSettings fromProperties(UnaryOperator<String> property) {
        String gemm = property.apply(PROPERTY);
        Request request;
        try {
            request = gemm == null || gemm.isBlank() ? Request.AUTO : Request.parse(gemm);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, cublas or kernels, got '"
                    + gemm.trim().toLowerCase(Locale.ROOT) + "'");
        }
        String tf32 = property.apply(TF32_PROPERTY);
        if (tf32 == null || tf32.isBlank()) {
            return new GemmSettings(request, false);
        }
        String value = tf32.trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("-D" + TF32_PROPERTY + " must be true or false, got '" + value + "'");
        }
        return new GemmSettings(request, value.equals("true"));
    }

    /** These settings with another request. */
    public GemmSettings withRequest(Request other) {
        return new GemmSettings(other, tf32);
    }

    /** These settings with TF32 on or off. */
    public GemmSettings withTf32(boolean on) {
        return new GemmSettings(request, on);
    }
}
