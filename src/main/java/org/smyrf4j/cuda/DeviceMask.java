package org.smyrf4j.cuda;

/**
 * A key validity mask (batch, keyLen) in device memory, one byte per key (1 = real token),
 * made by {@link CudaEngine#uploadMask} and usable with that engine only. It keeps the bytes
 * it was made from (batch x keyLen bytes), since global keys (SPEC Extensions) are resolved on
 * the host against the mask; the device copy never changes, so the two stay equal.
 */
public final class DeviceMask implements AutoCloseable {

    private final DeviceBuffer buffer;
    private final int batch;
    private final int keyLen;
    private final byte[] hostCopy;

    DeviceMask(DeviceBuffer buffer, int batch, int keyLen, byte[] hostCopy) {
        this.buffer = buffer;
        this.batch = batch;
        this.keyLen = keyLen;
        this.hostCopy = hostCopy;
    }

    public int batch() { return batch; }

    public int keyLen() { return keyLen; }

    public boolean isClosed() { return buffer.isClosed(); }

    @Override
    public void close() { buffer.close(); }

    DeviceBuffer buffer() { return buffer; }

    /** The mask's bytes as uploaded (not a copy: do not modify). */
    byte[] hostCopy() { return hostCopy; }

    @Override
    public String toString() {
        return "DeviceMask(" + batch + ", " + keyLen + ")" + (isClosed() ? " closed" : "");
    }
}
