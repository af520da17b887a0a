package org.smyrf4j.layer;

/**
 * The matrix product a layer's projections run on: {@code y = x W^T + b}, PyTorch
 * {@code nn.Linear} on row-major host arrays.
 *
 * <pre>
 *   x (rows, in)   W (out, in)   b (out)   y (rows, out)
 *   y[r, c] = b[c] + sum_k x[r, k] * W[c, k]
 * </pre>
 *
 * Implementations: {@link CpuGemm} (blocked, multithreaded, Vector API). Implementations are
 * safe to call from several threads at once. On a GPU the whole layer runs on the device
 * instead ({@code org.smyrf4j.cuda.CudaLayer}), its projections on cuBLAS as below or on the
 * kernel pack's GEMM, which computes each element with this GEMM's fma chain.
 *
 * <h2>The cuBLAS mapping (what the CUDA layer's cuBLAS GEMM does on device buffers)</h2>
 * cuBLAS is column-major, and a row-major (r, c) array with row stride c is, read column-major,
 * the (c, r) matrix of its transpose with leading dimension c. So, with no transposing copy:
 * <ul>
 *   <li>x's memory is {@code X^T} (in, rows), ld = in;</li>
 *   <li>W's memory is {@code W^T} (in, out), ld = in;</li>
 *   <li>y's memory is {@code Y^T} (out, rows), ld = out.</li>
 * </ul>
 * {@code Y = X W^T} is {@code Y^T = W X^T}, which is one call on the engine's stream
 * ({@code cublasSetStream} with the engine's {@code CUstream} as {@code cudaStream_t}):
 * <pre>
 *   cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N,
 *               m = out, n = rows, k = in,
 *               alpha = 1, A = W, lda = in,     // op(A) = (W^T)^T = W, (out, in)
 *                          B = x, ldb = in,     // op(B) = X^T, (in, rows)
 *               beta = 1,  C = y, ldc = out)    // C = Y^T, (out, rows), pre-filled with b per row
 * </pre>
 * {@code cublasGemmEx} is the same call with {@code CUDA_R_32F} for A, B, C and compute type
 * {@code CUBLAS_COMPUTE_32F} (or {@code CUBLAS_COMPUTE_32F_FAST_TF32} for tf32, which loosens
 * the agreement with this CPU GEMM from 1e-4 to 1e-3 relative). The bias goes in by filling C
 * with b before the call (beta = 1), or by beta = 0 and a bias add fused into the next kernel.
 *
 * <p>The CUDA layer moves heads with small copy kernels instead (docs/kernels.md, "Layer"). A
 * split without any copy is possible too: for batch b, the projection of all
 * heads into (B*h, N, dh) is one {@code cublasSgemmStridedBatched} over the h heads with
 * A = W + hh*dh*in (strideA = dh*in), B = x + b*N*in (strideB = 0), C = q + (b*h + hh)*N*dh
 * (strideC = N*dh), m = dh, ldc = dh. The output projection reads the attention output
 * (B*h, N, dh) either after a merge kernel (one GEMM) or as h GEMMs with k = dh accumulating
 * into y (beta = 1), A = Wo + hh*dh with lda = in.
 */
public interface Gemm {

    /**
     * {@code y = x W^T + b}.
     *
     * @param x      (rows, in), row-major. Not modified.
     * @param rows   rows of x and y, > 0
     * @param in     input features, > 0
     * @param weight (out, in), row-major (PyTorch nn.Linear layout); out = weight.length / in. Not modified.
     * @param bias   (out), or null for none. Not modified.
     * @param y      (rows, out), row-major. Modified: overwritten.
     * @throws IllegalArgumentException when a length does not fit the sizes
     */
    void linear(float[] x, int rows, int in, float[] weight, float[] bias, float[] y);

    /** A one-line description: where and how the products run. */
    String description();

    /** {@code x (rows, in) -> x W^T + b (rows, out)} for one layer's weights, in a new array. */
    default float[] apply(Linear layer, float[] x, int rows) {
        float[] y = new float[Math.multiplyExact(rows, layer.outFeatures())];
        linear(x, rows, layer.inFeatures(), layer.weight(), layer.bias(), y);
        return y;
    }

    /**
     * Checks the arguments of {@link #linear} and returns the output feature count.
     *
     * @throws IllegalArgumentException naming the argument that does not fit
     */
    static int checkLinear(float[] x, int rows, int in, float[] weight, float[] bias, float[] y) {
        if (rows <= 0) {
            throw new IllegalArgumentException("rows must be > 0, got " + rows);
        }
        if (in <= 0) {
            throw new IllegalArgumentException("in must be > 0, got " + in);
        }
        if (x == null || weight == null || y == null) {
            throw new IllegalArgumentException((x == null ? "x" : weight == null ? "weight" : "y")
                    + " must not be null");
        }
        if ((long) rows * in != x.length) {
            throw new IllegalArgumentException("x must hold rows x in = " + rows + " x " + in + " = "
                    + (long) rows * in + " values, got " + x.length);
        }
        if (weight.length == 0 || weight.length % in != 0) {
            throw new IllegalArgumentException("weight must hold out x in values with in = " + in
                    + ", got " + weight.length);
        }
        int out = weight.length / in;
        if (bias != null && bias.length != out) {
            throw new IllegalArgumentException("bias must hold out = " + out + " values, got " + bias.length);
        }
        if ((long) rows * out != y.length) {
            throw new IllegalArgumentException("y must hold rows x out = " + rows + " x " + out + " = "
                    + (long) rows * out + " values, got " + y.length);
        }
        return out;
    }
}
