package org.smyrf4j.cuda;

import java.util.Objects;

/**
 * The kernel SMYRF's plain hash rounds run on, and why: what {@code info} prints and the
 * commands report next to the GEMM.
 *
 * @param tensorCores whether they run on {@code smyrf_cluster_attention_tc} (TF32 tensor cores,
 *                    3xTF32) rather than {@code smyrf_cluster_attention} (CUDA cores, float32)
 * @param description one line, e.g. {@code tensor cores (3xTF32)} or
 *                    {@code CUDA cores (float32; tensor cores off: -Dsmyrf4j.cuda.tensorCores=on to try them)}
 */
public record AttentionKernelChoice(boolean tensorCores, String description) {

    /** The short name of the tensor-core path, also the start of its description. */
    static final String TENSOR_CORES = "tensor cores (3xTF32)";
    /** The short name of the CUDA-core path. */
    static final String CUDA_CORES = "CUDA cores (float32)";

    public AttentionKernelChoice {
        Objects.requireNonNull(description, "description");
    }

    /** The tensor-core kernel; {@code note} (may be empty) follows the short name, e.g. where it applies. */
    static AttentionKernelChoice tensorCores(String note) {
        return new AttentionKernelChoice(true, note.isEmpty() ? TENSOR_CORES : TENSOR_CORES + " " + note);
    }

    /** The CUDA-core kernel, for {@code why} (e.g. "tensor cores off: ..."). */
    static AttentionKernelChoice cudaCores(String why) {
        return new AttentionKernelChoice(false, "CUDA cores (float32; " + why + ")");
    }

    /** "tensor cores (3xTF32)" or "CUDA cores (float32)", without the reason. */
    public String shortText() {
        return tensorCores ? TENSOR_CORES : CUDA_CORES;
    }

    @Override
    public String toString() {
        return description;
    }
}
