package org.smyrf4j.cuda;

import static jcuda.driver.JCudaDriver.cuCtxPopCurrent;
import static jcuda.driver.JCudaDriver.cuCtxPushCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static org.smyrf4j.cuda.CudaCheck.check;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;

/**
 * The device's primary context, retained for the lifetime of this owner, plus the device
 * facts the launchers need. A JCuda context is current per thread, so every piece of work runs
 * inside {@link #enter()}, which pushes the context on the calling thread and pops it after.
 *
 * <p>Allocations go through {@link #allocate} and are tracked: {@link #close()} frees the
 * buffers still open before it releases the context, and the counters expose leaks in tests.
 */
final class CudaContext implements AutoCloseable {

    /** Pops the context pushed by {@link #enter()}. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final String deviceName;
    private final int computeMajor;
    private final int computeMinor;
    private final int sharedPerBlockOptIn;
    private final int multiprocessors;
    private final Set<DeviceBuffer> live = new LinkedHashSet<>();
    private long liveBytes;
    private long allocations;
    private boolean closed;

    private CudaContext(int ordinal, CUdevice device, CUcontext context) {
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
        this.deviceName = deviceName(device);
        this.computeMajor = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.computeMinor = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.sharedPerBlockOptIn = attribute(device,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        this.multiprocessors = attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    }

    /** Initializes the driver and retains the primary context of device {@code ordinal}. */
    static CudaContext open(int ordinal) {
        check(cuInit(0), "cuInit");
        CUdevice device = new CUdevice();
        check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        CUcontext context = new CUcontext();
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
        try {
            return new CudaContext(ordinal, device, context);
        } catch (RuntimeException e) {
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    static String deviceName(CUdevice device) {
        byte[] name = new byte[256];
        check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new String(name, 0, end, StandardCharsets.US_ASCII).trim();
    }

    static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        check(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return value[0];
    }

    /** Makes the context current on this thread until the scope closes. */
    Scope enter() {
        synchronized (this) {
            requireOpen();
        }
        check(cuCtxPushCurrent(context), "cuCtxPushCurrent");
        return () -> check(cuCtxPopCurrent(new CUcontext()), "cuCtxPopCurrent");
    }

    /**
     * Allocates {@code bytes} of device memory. The context must be current ({@link #enter()}).
     *
     * @param purpose names the buffer in errors, e.g. "roundOut"
     */
    synchronized DeviceBuffer allocate(long bytes, String purpose) {
        requireOpen();
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes must be > 0 for " + purpose + ", got " + bytes);
        }
        CUdeviceptr pointer = new CUdeviceptr();
        check(cuMemAlloc(pointer, bytes), "cuMemAlloc(" + purpose + ", " + bytes + " bytes)");
        DeviceBuffer buffer = new DeviceBuffer(this, pointer, bytes, purpose);
        live.add(buffer);
        liveBytes += bytes;
        allocations++;
        return buffer;
    }

    /** Frees a buffer made here; called once per buffer by {@link DeviceBuffer#close()}. */
    synchronized void free(DeviceBuffer buffer) {
        if (closed || !live.remove(buffer)) {
            return; // the context already freed it, or released everything
        }
        liveBytes -= buffer.bytes();
        check(cuCtxPushCurrent(context), "cuCtxPushCurrent");
        try {
            check(cuMemFree(buffer.rawPointer()), "cuMemFree(" + buffer.purpose() + ")");
        } finally {
            check(cuCtxPopCurrent(new CUcontext()), "cuCtxPopCurrent");
        }
    }

    /** {free, total} device memory in bytes, from cuMemGetInfo. The context must be current. */
    long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    synchronized int liveBuffers() { return live.size(); }

    synchronized long liveBytes() { return liveBytes; }

    /** Allocations made over the context's life: constant while the hot path reuses buffers. */
    synchronized long allocations() { return allocations; }

    int ordinal() { return ordinal; }

    String deviceName() { return deviceName; }

    int computeMajor() { return computeMajor; }

    int computeMinor() { return computeMinor; }

    /** The most shared memory one block may use after opting in (bytes). */
    int sharedPerBlockOptIn() { return sharedPerBlockOptIn; }

    int multiprocessors() { return multiprocessors; }

    synchronized boolean isClosed() { return closed; }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA context of device " + ordinal + " is closed");
        }
    }

    /** Frees every buffer still open, then releases the primary context. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        if (!live.isEmpty()) {
            try {
                check(cuCtxPushCurrent(context), "cuCtxPushCurrent");
                for (DeviceBuffer buffer : live) {
                    buffer.markClosed();
                    try {
                        check(cuMemFree(buffer.rawPointer()), "cuMemFree(" + buffer.purpose() + ")");
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
                check(cuCtxPopCurrent(new CUcontext()), "cuCtxPopCurrent");
            } catch (RuntimeException e) {
                failures.add(e);
            }
            live.clear();
            liveBytes = 0;
        }
        closed = true;
        try {
            check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease(device " + ordinal + ")");
        } catch (RuntimeException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
