package org.smyrf4j.cuda;

import java.util.Objects;

/**
 * The GEMM a CUDA layer's projections run on, and why: what {@code info} prints and a layer
 * reports.
 *
 * @param path        cuBLAS or the kernel pack's {@code smyrf_linear}
 * @param tf32        whether the products run on TF32 tensor cores (cuBLAS only)
 * @param description one line, e.g. {@code cuBLAS 12.6.4 via JCublas 12.6.0 (fp32)} or
 *                    {@code kernel pack (libcublas.so.12 not loadable: ...)}
 */
public record GemmChoice(Path path, boolean tf32, String description) {

    /** Where the products run. */
    public enum Path { CUBLAS, KERNELS }

    public GemmChoice {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(description, "description");
    }

    static GemmChoice cublas(String version, boolean tf32) {
        return new GemmChoice(Path.CUBLAS, tf32, "cuBLAS " + version + " via " + CublasLibrary.JCUBLAS + " ("
                + (tf32 ? "tf32" : "fp32") + ")");
    }

    /** The kernel pack's GEMM (float32), for {@code why}. */
    static GemmChoice kernels(String why) {
        return new GemmChoice(Path.KERNELS, false, "kernel pack (" + why + ")");
    }

    @Override
    public String toString() {
        return description;
    }
}
