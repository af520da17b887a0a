// combine.cu: SMYRF step 7, the rounds' outputs weighted by their share of the total mass.
//
// smyrf_combine
//   roundOut (H, rows, dv), roundLse (H, rows), rows = B * Nq -> out (rows, dv):
//   out(i) = sum_h w_h(i) o_h(i), w_h = exp(lse_h - lse), lse = M + log(sum_h exp(lse_h - M)),
//   M = max_h lse_h; a row whose lse is -inf in every round gets 0.
//   grid (ceil(rows / COMBINE_THREADS)) x COMBINE_THREADS (any block size up to that): block x
//   owns rows [x*T, x*T + T). Thread t works out row x*T + t's weights into shared memory, a
//   group of COMBINE_ROUNDS rounds at a time; then the block walks its rows' dv columns
//   column-fastest (its rows are contiguous in out and in each round's slice of roundOut), so
//   every read and write is coalesced, and adds that group's rounds into out.
//   Shared memory: COMBINE_ROUNDS x COMBINE_THREADS floats of weights (8 KiB).
//
// Versions: 1 one row per thread, reading and writing the row straight (0.18 ms at B=8 N=4096
// dv=64 H=4 on an H100, 190 GB/s: each warp load touched 32 rows). 2 (this) coalesced, as above.
#include "smyrf_device.cuh"

#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif

// Rounds whose weights sit in shared memory at once; more rounds take several passes over out.
#define SMYRF_COMBINE_ROUNDS 8

extern "C" __global__ void __launch_bounds__(SMYRF_COMBINE_THREADS)
smyrf_combine(const float* __restrict__ roundOut, const float* __restrict__ roundLse, int H, int rows, int dv,
        float* __restrict__ out) {
    __shared__ float weight[SMYRF_COMBINE_ROUNDS][SMYRF_COMBINE_THREADS];
    const int t = threadIdx.x;
    const int first = blockIdx.x * blockDim.x;
    const int count = rows - first < (int)blockDim.x ? rows - first : (int)blockDim.x;
    const int i = first + t;

    // This thread's row: the log of its total mass over all rounds (-inf: no round saw a key).
    float total = -INFINITY;
    if (t < count) {
        float top = -INFINITY;
        for (int h = 0; h < H; h++) {
            top = fmaxf(top, roundLse[(size_t)h * rows + i]);
        }
        if (top != -INFINITY) {
            float mass = 0.0f;
            for (int h = 0; h < H; h++) {
                mass += expf(roundLse[(size_t)h * rows + i] - top);
            }
            total = top + logf(mass);
        }
    }

    const size_t base = (size_t)first * dv;
    const int elements = count * dv;
    for (int g = 0; g < H; g += SMYRF_COMBINE_ROUNDS) {
        const int n = H - g < SMYRF_COMBINE_ROUNDS ? H - g : SMYRF_COMBINE_ROUNDS;
        __syncthreads();  // the previous group's weights are used up
        if (t < count) {
            for (int u = 0; u < n; u++) {
                weight[u][t] = total == -INFINITY ? 0.0f : expf(roundLse[(size_t)(g + u) * rows + i] - total);
            }
        }
        __syncthreads();
        for (int e = t; e < elements; e += blockDim.x) {
            const int r = e / dv;
            float acc = g == 0 ? 0.0f : out[base + e];
            for (int u = 0; u < n; u++) {
                acc = fmaf(weight[u][r], roundOut[(size_t)(g + u) * rows * dv + base + e], acc);
            }
            out[base + e] = acc;
        }
    }
}
