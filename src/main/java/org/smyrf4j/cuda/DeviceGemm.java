package org.smyrf4j.cuda;

/**
 * {@code y = x W^T + b} on device buffers (float32, row-major), queued on the engine's stream:
 * the products of a {@link CudaLayer}. Implementations: {@link CublasGemm} (cuBLAS through
 * JCublas) and {@link KernelGemm} (the kernel pack's {@code smyrf_linear}, where cuBLAS does not
 * load). Called with the engine's lock held and its context current.
 */
interface DeviceGemm {

    /**
     * @param x    (rows, in) with in = {@code layer.in()}. Not modified.
     * @param rows rows of x and y, > 0
     * @param y    (rows, out). Modified: overwritten. Must not overlap x.
     */
    void linear(DeviceBuffer x, int rows, DeviceLinear layer, DeviceBuffer y);

    /** Which GEMM this is and why it was chosen. */
    GemmChoice choice();
}
