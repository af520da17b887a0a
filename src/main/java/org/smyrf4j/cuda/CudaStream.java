package org.smyrf4j.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static org.smyrf4j.cuda.CudaCheck.check;

import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * The engine's stream, with the copies and fills it issues. The context must be current.
 *
 * <p>Copies take Java arrays (pageable memory), which JCuda pins or stages only for the
 * duration of the call. So they use the synchronous copies: CUDA documents that an async copy
 * with pageable memory only "might be" synchronous, and a copy still running after JCuda
 * released the array would read or write freed memory. The synchronous copies run on the legacy
 * default stream, which our blocking stream synchronizes with, so they stay ordered with the
 * kernels queued here.
 */
final class CudaStream implements AutoCloseable {

    private final CUstream stream;
    private boolean closed;

    private CudaStream(CUstream stream) {
        this.stream = stream;
    }

    /**
     * A blocking stream: it synchronizes with the legacy default stream, so work a caller queued
     * there on the same buffers (e.g. cuMemcpyHtoD into a device tensor) is ordered before ours.
     */
    static CudaStream create() {
        CUstream stream = new CUstream();
        check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate");
        return new CudaStream(stream);
    }

    CUstream handle() { return stream; }

    /** Waits for all queued work; an asynchronous failure is reported as happening in {@code stage}. */
    void synchronize(String stage) {
        check(cuStreamSynchronize(stream), "cuStreamSynchronize after " + stage);
    }

    void upload(DeviceBuffer dst, float[] src, String name) {
        requireFits(dst, 4L * src.length, name);
        check(cuMemcpyHtoD(dst.pointer(), Pointer.to(src), 4L * src.length),
                "cuMemcpyHtoD(" + name + ", " + 4L * src.length + " bytes)");
    }

    void upload(DeviceBuffer dst, byte[] src, String name) {
        requireFits(dst, src.length, name);
        check(cuMemcpyHtoD(dst.pointer(), Pointer.to(src), src.length),
                "cuMemcpyHtoD(" + name + ", " + src.length + " bytes)");
    }

    void upload(DeviceBuffer dst, int[] src, String name) {
        requireFits(dst, 4L * src.length, name);
        check(cuMemcpyHtoD(dst.pointer(), Pointer.to(src), 4L * src.length),
                "cuMemcpyHtoD(" + name + ", " + 4L * src.length + " bytes)");
    }

    void download(float[] dst, DeviceBuffer src, String name) {
        requireFits(src, 4L * dst.length, name);
        check(cuMemcpyDtoH(Pointer.to(dst), src.pointer(), 4L * dst.length),
                "cuMemcpyDtoH(" + name + ", " + 4L * dst.length + " bytes)");
    }

    void download(int[] dst, DeviceBuffer src, String name) {
        requireFits(src, 4L * dst.length, name);
        check(cuMemcpyDtoH(Pointer.to(dst), src.pointer(), 4L * dst.length),
                "cuMemcpyDtoH(" + name + ", " + 4L * dst.length + " bytes)");
    }

    /** Fills the first {@code words} 32-bit words of {@code dst} with {@code pattern}. */
    void fill32(DeviceBuffer dst, int pattern, long words, String name) {
        requireFits(dst, 4L * words, name);
        check(cuMemsetD32Async(dst.pointer(), pattern, words, stream),
                "cuMemsetD32Async(" + name + ", " + words + " words)");
    }

    private static void requireFits(DeviceBuffer buffer, long bytes, String name) {
        if (bytes > buffer.bytes()) {
            throw new IllegalStateException(name + ": " + bytes + " bytes do not fit " + buffer);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(cuStreamDestroy(stream), "cuStreamDestroy");
        }
    }
}
