// combine.cu: SMYRF step 7, the rounds' outputs weighted by their share of the total mass.
//
// smyrf_combine
//   roundOut (H, rows, dv), roundLse (H, rows), rows = B * Nq -> out (rows, dv):
//   out(i) = sum_h w_h(i) o_h(i), w_h = exp(lse_h - lse), lse = M + log(sum_h exp(lse_h - M)),
//   M = max_h lse_h; a row whose lse is -inf in every round gets 0.
//   grid (ceil(rows / COMBINE_THREADS)) x COMBINE_THREADS: one row per thread, any block size.
//
// Versions: 1 (this) plain float32, weights recomputed per row (H is small).
#include "smyrf_device.cuh"

#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif

extern "C" __global__ void
smyrf_combine(const float* __restrict__ roundOut, const float* __restrict__ roundLse, int H, int rows, int dv,
        float* __restrict__ out) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= rows) {
        return;
    }
    float* outRow = out + (size_t)i * dv;
    float top = -INFINITY;
    for (int h = 0; h < H; h++) {
        top = fmaxf(top, roundLse[(size_t)h * rows + i]);
    }
    if (top == -INFINITY) {
        for (int c = 0; c < dv; c++) {
            outRow[c] = 0.0f;
        }
        return;
    }
    float mass = 0.0f;
    for (int h = 0; h < H; h++) {
        mass += expf(roundLse[(size_t)h * rows + i] - top);
    }
    const float total = top + logf(mass);
    // Round by round into the caller's row, which only this thread touches.
    for (int h = 0; h < H; h++) {
        const float w = expf(roundLse[(size_t)h * rows + i] - total);
        const float* o = roundOut + ((size_t)h * rows + i) * dv;
        for (int c = 0; c < dv; c++) {
            outRow[c] = h == 0 ? w * o[c] : fmaf(w, o[c], outRow[c]);
        }
    }
}
