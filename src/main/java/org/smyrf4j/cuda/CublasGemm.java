package org.smyrf4j.cuda;

/**
 * {@link DeviceGemm} on cuBLAS: with a bias, the pack's {@code smyrf_broadcast_rows} fills y with
 * it and one GemmEx adds the product (beta = 1); without, one GemmEx (beta = 0). Both on the
 * engine's stream, so they run in order with the layer's other kernels.
 */
final class CublasGemm implements DeviceGemm {

    private final CublasHandle handle;
    private final GemmKernels kernels;
    private final boolean tf32;
    private final GemmChoice choice;

    CublasGemm(CublasHandle handle, GemmKernels kernels, boolean tf32) {
        this.handle = handle;
        this.kernels = kernels;
        this.tf32 = tf32;
        this.choice = GemmChoice.cublas(handle.version(), tf32);
    }

    @Override
    public void linear(DeviceBuffer x, int rows, DeviceLinear layer, DeviceBuffer y) {
        GemmKernels.requireFloats("x", x, (long) rows * layer.in());
        GemmKernels.requireFloats("y", y, (long) rows * layer.out());
        boolean withBias = layer.bias() != null;
        if (withBias) {
            kernels.broadcastRows(layer.bias(), rows, layer.out(), y);
        }
        handle.linear(x, layer.weight(), rows, layer.in(), layer.out(), withBias, tf32, y, layer.name());
    }

    @Override
    public GemmChoice choice() { return choice; }
}
