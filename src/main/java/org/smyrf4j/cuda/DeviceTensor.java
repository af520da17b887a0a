package org.smyrf4j.cuda;

import java.util.Arrays;

/**
 * A float32 tensor in device memory, row-major, made by a {@link CudaEngine}
 * ({@link CudaEngine#upload}, {@link CudaEngine#allocate}) and usable with that engine only.
 * Close it to free the memory; closing the engine frees tensors still open.
 */
public final class DeviceTensor implements AutoCloseable {

    private final DeviceBuffer buffer;
    private final int[] shape;

    DeviceTensor(DeviceBuffer buffer, int[] shape) {
        this.buffer = buffer;
        this.shape = shape.clone();
    }

    /** The dimensions, outermost first (a copy). */
    public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    /** Size of dimension {@code axis}. */
    public int dim(int axis) { return shape[axis]; }

    /** The number of floats. */
    public long elements() { return elements(shape); }

    public boolean isClosed() { return buffer.isClosed(); }

    /** Frees the device memory; later closes do nothing. */
    @Override
    public void close() { buffer.close(); }

    DeviceBuffer buffer() { return buffer; }

    static long elements(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public String toString() {
        return "DeviceTensor" + Arrays.toString(shape).replace('[', '(').replace(']', ')')
                + (isClosed() ? " closed" : "");
    }
}
