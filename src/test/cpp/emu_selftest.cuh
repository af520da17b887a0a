// emu_selftest.cuh: small kernels that pin down the intrinsics cuda_emu.h emulates (warp
// shuffles, ballot, __syncwarp, __syncthreads with static and dynamic shared memory), checked
// against values worked out on the host. Run by `smyrf-emu --self-check`; the GPU build of the
// driver runs the same kernels on the card, so the emulation's answers are the hardware's.
#ifndef SMYRF_EMU_SELFTEST_CUH
#define SMYRF_EMU_SELFTEST_CUH

#include <string>
#include <vector>

// Per thread t (linear id, block of 96 = 3 warps): [0] xor-butterfly sum of the warp's ids,
// [1] lane 5's id by __shfl_sync, [2] __shfl_down_sync by 3, [3] __shfl_up_sync by 2,
// [4] __ballot_sync(lane % 3 == 0), [5] xor sum inside sections of width 8.
__global__ void emu_selftest_warp(int* out) {
    const int t = threadIdx.x;
    const int lane = t % 32;
    int sum = t;
    for (int offset = 16; offset > 0; offset >>= 1) {
        sum += __shfl_xor_sync(0xFFFFFFFFu, sum, offset);
    }
    int section = t;
    for (int offset = 4; offset > 0; offset >>= 1) {
        section += __shfl_xor_sync(0xFFFFFFFFu, section, offset, 8);
    }
    __syncwarp();
    out[t * 6 + 0] = sum;
    out[t * 6 + 1] = __shfl_sync(0xFFFFFFFFu, t, 5);
    out[t * 6 + 2] = __shfl_down_sync(0xFFFFFFFFu, t, 3);
    out[t * 6 + 3] = __shfl_up_sync(0xFFFFFFFFu, t, 2);
    out[t * 6 + 4] = (int)__ballot_sync(0xFFFFFFFFu, lane % 3 == 0);
    out[t * 6 + 5] = section;
}

// Block of 200 threads: reverses `in` through static shared memory, then rotates it by one
// through dynamic shared memory (200 floats), with barriers between the steps.
__global__ void emu_selftest_block(const float* in, float* out) {
    __shared__ float reversed[200];
    SMYRF_DYNAMIC_SHARED(float, rotated);
    const int t = threadIdx.x;
    reversed[199 - t] = in[blockIdx.x * 200 + t];
    __syncthreads();
    rotated[(t + 1) % 200] = reversed[t];
    __syncthreads();
    out[blockIdx.x * 200 + t] = rotated[t];
}

namespace smyrf {

/** Runs the two kernels; returns "" or the first wrong value. */
inline std::string emu_selftest() {
    DeviceBuffer<int> warp(96 * 6);
    SMYRF_LAUNCH(emu_selftest_warp, dim3(1), dim3(96), 0, warp.get());
    std::vector<float> input(3 * 200);
    for (size_t i = 0; i < input.size(); i++) input[i] = float(i) * 0.5f;
    DeviceBuffer<float> in(input), out(input.size());
    SMYRF_LAUNCH(emu_selftest_block, dim3(3), dim3(200), 200 * sizeof(float), in.get(), out.get());
    std::vector<int> w = warp.download();
    std::vector<float> b = out.download();
    for (int t = 0; t < 96; t++) {
        int lane = t % 32, first = t - lane;
        unsigned ballot = 0;
        for (int l = 0; l < 32; l += 3) ballot |= 1u << l;
        int want[6] = {32 * first + 496, first + 5, lane + 3 < 32 ? t + 3 : t, lane >= 2 ? t - 2 : t, (int)ballot,
                8 * (t - t % 8) + 28};
        for (int k = 0; k < 6; k++) {
            if (w[t * 6 + k] != want[k]) {
                return "warp test " + std::to_string(k) + " thread " + std::to_string(t) + ": got "
                        + std::to_string(w[t * 6 + k]) + ", want " + std::to_string(want[k]);
            }
        }
    }
    for (int blk = 0; blk < 3; blk++) {
        for (int t = 0; t < 200; t++) {
            float want = input[blk * 200 + 199 - (t + 199) % 200];
            if (b[blk * 200 + t] != want) {
                return "block test " + std::to_string(blk * 200 + t) + ": got " + std::to_string(b[blk * 200 + t])
                        + ", want " + std::to_string(want);
            }
        }
    }
    return "";
}

}  // namespace smyrf

#endif
