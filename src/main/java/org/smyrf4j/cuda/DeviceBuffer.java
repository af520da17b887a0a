package org.smyrf4j.cuda;

import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.driver.CUdeviceptr;

/**
 * One device allocation: its pointer and size, owned by the {@link CudaContext} that made it.
 * {@link #close()} frees it once; later closes do nothing. Closing the context frees every
 * buffer still open.
 */
final class DeviceBuffer implements AutoCloseable {

    private final CudaContext owner;
    private final CUdeviceptr pointer;
    private final long bytes;
    private final String purpose;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Only {@link CudaContext#allocate} (and tests, with a null owner) make buffers. */
    DeviceBuffer(CudaContext owner, CUdeviceptr pointer, long bytes, String purpose) {
        this.owner = owner;
        this.pointer = pointer;
        this.bytes = bytes;
        this.purpose = purpose;
    }

    /** The device address; fails once closed, so a freed buffer is never handed to a kernel. */
    CUdeviceptr pointer() {
        if (closed.get()) {
            throw new IllegalStateException("device buffer '" + purpose + "' is closed");
        }
        return pointer;
    }

    /** The raw pointer for freeing, closed or not. */
    CUdeviceptr rawPointer() { return pointer; }

    long bytes() { return bytes; }

    String purpose() { return purpose; }

    CudaContext owner() { return owner; }

    boolean isClosed() { return closed.get(); }

    /** Marks the buffer closed; true for the one caller that should free the memory. */
    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    @Override
    public void close() {
        if (markClosed() && owner != null) {
            owner.free(this);
        }
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + purpose + ", " + bytes + " bytes" + (closed.get() ? ", closed" : "") + "]";
    }
}
