package org.smyrf4j.cuda;

import static org.smyrf4j.cuda.CudaCheck.checkCublas;

import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * A cuBLAS handle bound to the engine's stream, and the one product the layer needs. Touch it
 * only after {@link CublasLibrary#loadProblem()} said JCublas loads; the engine's context must be
 * current for every call (cuBLAS uses the context current on the thread).
 *
 * <p>Row-major data without transposing copies (the mapping in {@code org.smyrf4j.layer.Gemm}):
 * row-major y (rows, out) read column-major is Y^T (out, rows), so {@code Y = X W^T} is
 * {@code Y^T = W X^T}, one GemmEx with op(A) = T on W's memory (lda = in), op(B) = N on x's
 * (ldb = in) and C = y (ldc = out).
 */
final class CublasHandle implements AutoCloseable {

    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});

    private final cublasHandle handle;
    private final String version;
    private boolean closed;

    private CublasHandle(cublasHandle handle, String version) {
        this.handle = handle;
        this.version = version;
    }

    /**
     * A handle whose work goes to {@code stream} (cublasSetStream_v2 with the engine's CUstream
     * as cudaStream_t).
     *
     * @throws CublasException when cuBLAS refuses
     */
    static CublasHandle create(CudaStream stream) {
        cublasHandle handle = new cublasHandle();
        checkCublas(JCublas2.cublasCreate(handle), "cublasCreate");
        try {
            checkCublas(JCublas2.cublasSetStream(handle, new cudaStream_t(stream.handle())), "cublasSetStream");
            int[] version = new int[1];
            checkCublas(JCublas2.cublasGetVersion(handle, version), "cublasGetVersion");
            // CUBLAS_VERSION is major * 10000 + minor * 100 + patch for cuBLAS 12.
            return new CublasHandle(handle, version[0] / 10000 + "." + version[0] / 100 % 100 + "." + version[0] % 100);
        } catch (RuntimeException e) {
            int destroyed = JCublas2.cublasDestroy(handle);
            if (destroyed != 0) {
                e.addSuppressed(new CublasException(destroyed, "cublasDestroy after a failed set-up"));
            }
            throw e;
        }
    }

    /** The library's version, e.g. "12.6.4". */
    String version() { return version; }

    /**
     * Queues {@code y = x W^T + beta * y} on the stream.
     *
     * @param x    (rows, in) row-major
     * @param w    (out, in) row-major
     * @param y    (rows, out) row-major; read when {@code accumulate} (beta = 1), else overwritten
     * @param tf32 TF32 tensor cores (CUBLAS_COMPUTE_32F_FAST_TF32) instead of float32 (CUBLAS_COMPUTE_32F)
     * @param name names the product in errors
     */
    void linear(DeviceBuffer x, DeviceBuffer w, int rows, int in, int out, boolean accumulate, boolean tf32,
            DeviceBuffer y, String name) {
        if (closed) {
            throw new IllegalStateException("the cuBLAS handle is closed");
        }
        checkCublas(JCublas2.cublasGemmEx(handle, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N,
                out, rows, in, ONE,
                w.pointer(), cudaDataType.CUDA_R_32F, in,
                x.pointer(), cudaDataType.CUDA_R_32F, in,
                accumulate ? ONE : ZERO,
                y.pointer(), cudaDataType.CUDA_R_32F, out,
                tf32 ? cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32 : cublasComputeType.CUBLAS_COMPUTE_32F,
                cublasGemmAlgo.CUBLAS_GEMM_DEFAULT),
                "cublasGemmEx(" + name + ", y (" + rows + ", " + out + ") = x (" + rows + ", " + in + ") W^T"
                        + (tf32 ? ", tf32)" : ")"));
    }

    /** Destroys the handle; the context must be current. Later closes do nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            checkCublas(JCublas2.cublasDestroy(handle), "cublasDestroy");
        }
    }
}
