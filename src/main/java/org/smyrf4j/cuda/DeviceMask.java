package org.smyrf4j.cuda;

/**
 * A key validity mask (batch, keyLen) in device memory, one byte per key (1 = real token),
 * made by {@link CudaEngine#uploadMask} and usable with that engine only.
 */
public final class DeviceMask implements AutoCloseable {

    private final DeviceBuffer buffer;
    private final int batch;
    private final int keyLen;

    DeviceMask(DeviceBuffer buffer, int batch, int keyLen) {
        this.buffer = buffer;
        this.batch = batch;
        this.keyLen = keyLen;
    }

    public int batch() { return batch; }

    public int keyLen() { return keyLen; }

    public boolean isClosed() { return buffer.isClosed(); }

    @Override
    public void close() { buffer.close(); }

    DeviceBuffer buffer() { return buffer; }

    @Override
    public String toString() {
        return "DeviceMask(" + batch + ", " + keyLen + ")" + (isClosed() ? " closed" : "");
    }
}
