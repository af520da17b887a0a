package org.smyrf4j.cuda;

/**
 * {@link DeviceGemm} on the kernel pack's {@code smyrf_linear}: float32, and per element the
 * CPU GEMM's fma chain, so its results are the CPU layer's bit for bit. The fallback where
 * cuBLAS does not load, or the explicit choice.
 */
final class KernelGemm implements DeviceGemm {

    private final GemmKernels kernels;
    private final GemmChoice choice;

    KernelGemm(GemmKernels kernels, GemmChoice choice) {
        this.kernels = kernels;
        this.choice = choice;
    }

    @Override
    public void linear(DeviceBuffer x, int rows, DeviceLinear layer, DeviceBuffer y) {
        kernels.linear(x, layer.weight(), layer.bias(), rows, layer.in(), layer.out(), y);
    }

    @Override
    public GemmChoice choice() { return choice; }
}
