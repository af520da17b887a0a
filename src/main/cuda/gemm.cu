// gemm.cu: the attention layer's projections, y = x W^T + b (PyTorch nn.Linear), float32
// row-major; the fallback for machines where cuBLAS does not load (docs/kernels.md, "Layer").
//
// smyrf_linear
//   x (rows, in), w (out, in), bias (out) or null -> y (rows, out).
//   grid (ceil(rows / GEMM_TILE_M), ceil(out / GEMM_TILE_N)) x GEMM_THREADS: block (bx, by) owns
//   the TILE_M x TILE_N tile of y at row bx*TILE_M, column by*TILE_N (rows on x, whose grid limit
//   is 2^31-1: rows = B*N grows with the batch, out is a model width).
//   Thread t = 16*ty + tx holds an 8 x 8 register tile: rows ty*4 + i and TILE_M/2 + ty*4 + i,
//   columns tx*4 + j and TILE_N/2 + tx*4 + j (i, j < 4), so the float4 reads of one shared row
//   by a quarter warp cover 32 distinct banks.
//   Shared memory (static, 2 * TILE_K * (TILE_M + 4) floats = 8448 bytes): one k step of both
//   operands stored k-major, xs[k][m] = x[r0 + m, k0 + k] and ws[k][n] = w[c0 + n, k0 + k]; the
//   row stride TILE_M + 4 puts the transposing stores of a warp (8 k by 4 m) in distinct banks.
//   While a step is multiplied, each thread fetches its share of the next step into registers.
//   Element (r, c) is the chain acc = bias[c] (0 without bias), acc = fmaf(x[r, k], w[c, k], acc)
//   for k ascending: the CPU GEMM's order (org.smyrf4j.layer.CpuGemm), so both give the same
//   bits. Rows, columns and k past the edges read as 0; k past `in` is never multiplied (a
//   0 * 0 term would turn an accumulated -0 into +0) and nothing outside y is stored.
//
// smyrf_broadcast_rows
//   row (cols) -> out (rows, cols), out[r, c] = row[c]: the bias as the C that cuBLAS adds its
//   product to (beta = 1). grid ceil(rows*cols / ELEMENTWISE_THREADS) x ELEMENTWISE_THREADS, one
//   element per thread.
//
// Versions: 1 (this) 128 x 128 x 8 tiles, 8 x 8 per thread, register prefetch of the next k step.
#include "smyrf_device.cuh"

namespace {

constexpr int kTileM = SMYRF_GEMM_TILE_M;
constexpr int kTileN = SMYRF_GEMM_TILE_N;
constexpr int kTileK = SMYRF_GEMM_TILE_K;
constexpr int kThreads = SMYRF_GEMM_THREADS;
// Threads along the columns of a tile; kThreads / kThreadCols along its rows.
constexpr int kThreadCols = 16;
// A thread's register tile: two groups of four rows by two groups of four columns.
constexpr int kGroup = 4;
constexpr int kReg = 2 * kGroup;
// Shared row stride in floats: a multiple of 4 (float4 reads) that is 4 mod 32 (bank spread).
constexpr int kStride = kTileM + 4;
// Values of each operand one thread fetches per k step.
constexpr int kLoads = kTileM * kTileK / kThreads;

static_assert(kTileM == kTileN, "xs and ws share one row stride and one fetch mapping");
static_assert((kThreads / kThreadCols) * kReg == kTileM && kThreadCols * kReg == kTileN,
        "the threads' 8 x 8 register tiles cover the block's tile exactly");
static_assert(kTileM * kTileK % kThreads == 0, "every thread fetches the same number of values");
static_assert(kStride % 4 == 0 && kStride % 32 == 4, "aligned float4 reads, conflict-free stores");

}  // namespace

extern "C" __global__ void __launch_bounds__(SMYRF_GEMM_THREADS)
smyrf_linear(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ bias, int rows,
        int in, int out, float* __restrict__ y) {
    __shared__ __align__(16) float xs[kTileK * kStride];
    __shared__ __align__(16) float ws[kTileK * kStride];

    const int t = threadIdx.x;
    const int ty = t / kThreadCols;
    const int tx = t % kThreadCols;
    const int r0 = blockIdx.x * kTileM;
    const int c0 = blockIdx.y * kTileN;
    // Row (column) of the tile that register row i (column j) holds.
    auto tileRow = [&](int i) { return (i < kGroup ? 0 : kTileM / 2) + ty * kGroup + i % kGroup; };
    auto tileCol = [&](int j) { return (j < kGroup ? 0 : kTileN / 2) + tx * kGroup + j % kGroup; };

    // Value l of this thread's share is tile row e / TILE_K at depth e % TILE_K, e = t + l*THREADS:
    // consecutive threads read consecutive k of a row.
    float xNext[kLoads];
    float wNext[kLoads];
    auto fetch = [&](int k0) {
#pragma unroll
        for (int l = 0; l < kLoads; l++) {
            const int e = t + l * kThreads;
            const int m = e / kTileK;
            const int k = k0 + e % kTileK;
            xNext[l] = (k < in && r0 + m < rows) ? __ldg(&x[(size_t)(r0 + m) * in + k]) : 0.0f;
            wNext[l] = (k < in && c0 + m < out) ? __ldg(&w[(size_t)(c0 + m) * in + k]) : 0.0f;
        }
    };
    auto stage = [&]() {
#pragma unroll
        for (int l = 0; l < kLoads; l++) {
            const int e = t + l * kThreads;
            xs[(e % kTileK) * kStride + e / kTileK] = xNext[l];
            ws[(e % kTileK) * kStride + e / kTileK] = wNext[l];
        }
    };

    float acc[kReg][kReg];
#pragma unroll
    for (int j = 0; j < kReg; j++) {
        const int c = c0 + tileCol(j);
        const float start = (bias != nullptr && c < out) ? bias[c] : 0.0f;
#pragma unroll
        for (int i = 0; i < kReg; i++) {
            acc[i][j] = start;
        }
    }
    auto multiply = [&](int k) {
        const float* xk = xs + k * kStride;
        const float* wk = ws + k * kStride;
        const float4 a0 = *reinterpret_cast<const float4*>(xk + ty * kGroup);
        const float4 a1 = *reinterpret_cast<const float4*>(xk + kTileM / 2 + ty * kGroup);
        const float4 b0 = *reinterpret_cast<const float4*>(wk + tx * kGroup);
        const float4 b1 = *reinterpret_cast<const float4*>(wk + kTileN / 2 + tx * kGroup);
        const float a[kReg] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
        const float b[kReg] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
        for (int i = 0; i < kReg; i++) {
#pragma unroll
            for (int j = 0; j < kReg; j++) {
                acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
            }
        }
    };

    fetch(0);
    for (int k0 = 0; k0 < in; k0 += kTileK) {
        stage();
        __syncthreads();
        if (k0 + kTileK < in) {
            fetch(k0 + kTileK);  // global loads in flight while this step multiplies
        }
        if (in - k0 >= kTileK) {
#pragma unroll
            for (int k = 0; k < kTileK; k++) {
                multiply(k);
            }
        } else {
            for (int k = 0; k < in - k0; k++) {
                multiply(k);
            }
        }
        __syncthreads();  // everyone is done with this step before the next one is staged
    }

#pragma unroll
    for (int i = 0; i < kReg; i++) {
        const int r = r0 + tileRow(i);
        if (r >= rows) {
            continue;
        }
#pragma unroll
        for (int j = 0; j < kReg; j++) {
            const int c = c0 + tileCol(j);
            if (c < out) {
                y[(size_t)r * out + c] = acc[i][j];
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(SMYRF_ELEMENTWISE_THREADS)
smyrf_broadcast_rows(const float* __restrict__ row, int rows, int cols, float* __restrict__ out) {
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < (size_t)rows * cols) {
        out[i] = row[i % cols];
    }
}
