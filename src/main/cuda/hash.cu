// hash.cu: SMYRF steps 1-3 and the sort keys of step 4 (SPEC.md; docs/kernels.md "Exact hashing").
//
// smyrf_max_sq_norms   x (rows, len, dim) -> maxSq (rows): maxSq[b] = max_i n2(x[b,i,:]).
//                      maxSq must hold zeros on entry (the launcher clears it on the stream).
//                      grid (ceil(len/NORM_TOKENS), rows) x HASH_THREADS: block (c, b) takes
//                      tokens [c*NORM_TOKENS, (c+1)*NORM_TOKENS) of row b, thread t tokens t,
//                      t+T, ...; a tree max over shared memory (HASH_THREADS floats) finishes
//                      the block, whose thread 0 folds it into maxSq[b] with an atomic max on
//                      the float's bits (n2 >= 0, and non-negative floats order as their bits).
//                      Rows with dim % 4 == 0 are read as float4, four loads ahead of the chain.
// smyrf_hash_queries   q (B, Nq, d), mq2/mk2 (B), A (d+2, H), keyValid (B, Nk) or null
//                      -> hashes (H, B, Nq) (may be null), keys (H, B, segLen) uint64.
// smyrf_hash_keys      the same for k (B, Nk, d), extension at row d of A instead of d+1.
//                      grid (ceil(segLen/HASH_THREADS), B) x HASH_THREADS; thread i of row b
//                      writes key i of every round's segment (r, b): a hashed token (i < N), a
//                      placeholder (N <= i < paddedLen, top bits all ones) or filler (~0,
//                      i >= paddedLen). It reads the token's row once for all H rounds.
//
// Bit-exactness: the CPU engine computes the same values with Math.fma in the same order, so
// every float operation here is an explicit round-to-nearest intrinsic (__fmaf_rn, __fadd_rn,
// __fsub_rn, __fsqrt_rn): nvcc may neither contract nor reassociate them, whatever -fmad says.
// n2 and the dot product both run over c ascending; the max is exact in any order.
//
// Versions: 1 plain float32, one token per thread, rows read straight from global memory
// (consecutive threads read consecutive rows, so a warp's lines are reused from L1).
// 2 smyrf_max_sq_norms reads float4 rows four loads ahead: version 1 kept one 4-byte load
// in flight per thread and, with only one block per batch row, took 2.2 ms per call at
// B=2 N=65536 d=64 on an H100 (hashing all H rounds of the same data: 0.16 ms).
// 3 (this) the hashing kernels take every round of a token in one thread (grid z was the
// round), so Q and K are read once instead of H times (H x 268 MB each at B=16 N=65536 d=64).
// smyrf_max_sq_norms spreads each row over blocks of NORM_TOKENS tokens: version 2
// still read a row with one block, so at B=2 N=65536 two SMs read 67 MB (1.07 ms for Q and K,
// a third of that SMYRF call); now 64 blocks per row share it: 0.051 ms there on an H100
// (2026-11-28). Hashing at B=16 N=65536 H=4: 1.25 ms.
#include "smyrf_device.cuh"

// n2(x) = fma(x[d-1], x[d-1], ... fma(x[0], x[0], 0)).
static __device__ __forceinline__ float smyrf_sq_norm(const float* __restrict__ x, int dim) {
    float n2 = 0.0f;
    for (int c = 0; c < dim; c++) {
        n2 = __fmaf_rn(x[c], x[c], n2);
    }
    return n2;
}

// One float4's four terms of the chain, in order.
static __device__ __forceinline__ float smyrf_sq_norm_step(float4 v, float n2) {
    n2 = __fmaf_rn(v.x, v.x, n2);
    n2 = __fmaf_rn(v.y, v.y, n2);
    n2 = __fmaf_rn(v.z, v.z, n2);
    return __fmaf_rn(v.w, v.w, n2);
}

// The same chain, for a 16-byte aligned row with dim % 4 == 0: four 16-byte loads are issued
// before the chain consumes them, so a thread keeps 64 bytes in flight instead of 4.
static __device__ __forceinline__ float smyrf_sq_norm_quads(const float4* __restrict__ x, int quads) {
    float n2 = 0.0f;
    int c = 0;
    for (; c + 4 <= quads; c += 4) {
        const float4 v0 = x[c], v1 = x[c + 1], v2 = x[c + 2], v3 = x[c + 3];
        n2 = smyrf_sq_norm_step(v0, n2);
        n2 = smyrf_sq_norm_step(v1, n2);
        n2 = smyrf_sq_norm_step(v2, n2);
        n2 = smyrf_sq_norm_step(v3, n2);
    }
    for (; c < quads; c++) {
        n2 = smyrf_sq_norm_step(x[c], n2);
    }
    return n2;
}

// Order-preserving map of a float's bits to uint32: ascending floats give ascending results.
static __device__ __forceinline__ unsigned smyrf_order_bits(float h) {
    unsigned bits = __float_as_uint(h);
    return bits ^ ((bits >> 31) ? 0xFFFFFFFFu : 0x80000000u);
}

// min-blocks 1 lets ptxas keep the four loads ahead in registers (with the default it capped
// sm_86/89 at 40 registers and spilled); a block's 8 tokens per thread are few enough that
// occupancy matters less than keeping loads in flight.
extern "C" __global__ void __launch_bounds__(SMYRF_HASH_THREADS, 1)
smyrf_max_sq_norms(const float* __restrict__ x, int rows, int len, int dim, float* __restrict__ maxSq) {
    __shared__ float partial[SMYRF_HASH_THREADS];
    const int b = blockIdx.y;
    const int t = threadIdx.x;
    const int first = blockIdx.x * SMYRF_NORM_TOKENS;
    const int end = len - first < SMYRF_NORM_TOKENS ? len : first + SMYRF_NORM_TOKENS;
    const float* row = x + (size_t)b * len * dim;
    float best = 0.0f;  // n2 >= 0, so 0 is the identity of this max
    if (dim % 4 == 0 && ((size_t)x & 15) == 0) {
        const float4* row4 = reinterpret_cast<const float4*>(row);
        const int quads = dim / 4;
        for (int i = first + t; i < end; i += blockDim.x) {
            best = fmaxf(best, smyrf_sq_norm_quads(row4 + (size_t)i * quads, quads));
        }
    } else {
        for (int i = first + t; i < end; i += blockDim.x) {
            best = fmaxf(best, smyrf_sq_norm(row + (size_t)i * dim, dim));
        }
    }
    partial[t] = best;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half >>= 1) {
        if (t < half) {
            partial[t] = fmaxf(partial[t], partial[t + half]);
        }
        __syncthreads();
    }
    if (t == 0 && b < rows) {
        // fmaxf dropped any NaN, so partial[0] is in [0, +inf], where the bits order like the floats.
        atomicMax(reinterpret_cast<unsigned*>(maxSq) + b, __float_as_uint(partial[0]));
    }
}

// Rounds a hashing thread accumulates at once (registers); more rounds take more sweeps of the
// row, which by then sits in L1.
#define SMYRF_HASH_ROUND_BATCH 8

// One thread per position i of segment (r, b), for every round r: the token's row is read once
// for all H rounds, and its n2 and extension are shared by them. Round r's hash (docs/kernels.md)
// is h = x . A[0..d-1, r] + ext * A[extRow, r], ext = sqrt(max((MQ2 + MK2) - n2(x), 0)), then
// h + 0 (so -0 becomes +0); each chain runs over c ascending, as in the CPU engine.
// `validRow` is the mask row to read, or null.
static __device__ __forceinline__ void smyrf_hash_segment(const float* __restrict__ x, const float* __restrict__ mq2,
        const float* __restrict__ mk2, const float* __restrict__ A, const smyrf_u8* __restrict__ validRow, int B,
        int N, int d, int H, int extRow, int paddedLen, int segLen, float* __restrict__ hashes,
        smyrf_u64* __restrict__ keys) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int b = blockIdx.y;
    if (i >= segLen) {
        return;
    }
    if (i >= N) {
        // Filler past the padded length sorts after everything; a placeholder sorts last among
        // the padded positions, by index.
        const smyrf_u64 key = i >= paddedLen ? ~0ULL : ((smyrf_u64)SMYRF_TOP_LAST << 32) | (unsigned)i;
        for (int r = 0; r < H; r++) {
            keys[((size_t)r * B + b) * segLen + i] = key;
        }
        return;
    }
    const float* row = x + ((size_t)b * N + i) * d;
    float n2 = 0.0f;
    for (int c = 0; c < d; c++) {
        n2 = __fmaf_rn(row[c], row[c], n2);
    }
    float extSq = __fsub_rn(__fadd_rn(mq2[b], mk2[b]), n2);
    extSq = extSq > 0.0f ? extSq : 0.0f;  // also turns -0 into +0, like Java's Math.max
    const float ext = __fsqrt_rn(extSq);
    const bool valid = validRow == nullptr || validRow[i] != 0;
    for (int r0 = 0; r0 < H; r0 += SMYRF_HASH_ROUND_BATCH) {
        const int rounds = H - r0 < SMYRF_HASH_ROUND_BATCH ? H - r0 : SMYRF_HASH_ROUND_BATCH;
        float h[SMYRF_HASH_ROUND_BATCH];
#pragma unroll
        for (int j = 0; j < SMYRF_HASH_ROUND_BATCH; j++) {
            h[j] = 0.0f;
        }
        for (int c = 0; c < d; c++) {
            const float xc = row[c];
            const float* a = A + c * H + r0;
#pragma unroll
            for (int j = 0; j < SMYRF_HASH_ROUND_BATCH; j++) {
                if (j < rounds) {
                    h[j] = __fmaf_rn(xc, a[j], h[j]);
                }
            }
        }
#pragma unroll
        for (int j = 0; j < SMYRF_HASH_ROUND_BATCH; j++) {
            if (j < rounds) {
                const int r = r0 + j;
                const float hash = __fadd_rn(__fmaf_rn(ext, A[extRow * H + r], h[j]), 0.0f);
                const size_t segment = (size_t)r * B + b;
                if (hashes != nullptr) {
                    hashes[segment * N + i] = hash;
                }
                const unsigned top = valid ? smyrf_order_bits(hash) : SMYRF_TOP_LAST;
                keys[segment * segLen + i] = ((smyrf_u64)top << 32) | (unsigned)i;
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(SMYRF_HASH_THREADS)
smyrf_hash_queries(const float* __restrict__ q, const float* __restrict__ mq2, const float* __restrict__ mk2,
        const float* __restrict__ A, const smyrf_u8* __restrict__ keyValid, int B, int Nq, int Nk, int d, int H,
        int paddedLen, int segLen, float* __restrict__ hashes, smyrf_u64* __restrict__ keys) {
    // Self-attention padding (SPEC step 4): with equal lengths, query i is valid iff key i is.
    const smyrf_u8* validRow = (keyValid != nullptr && Nq == Nk) ? keyValid + (size_t)blockIdx.y * Nk : nullptr;
    smyrf_hash_segment(q, mq2, mk2, A, validRow, B, Nq, d, H, d + 1, paddedLen, segLen, hashes, keys);
}

extern "C" __global__ void __launch_bounds__(SMYRF_HASH_THREADS)
smyrf_hash_keys(const float* __restrict__ k, const float* __restrict__ mq2, const float* __restrict__ mk2,
        const float* __restrict__ A, const smyrf_u8* __restrict__ keyValid, int B, int Nq, int Nk, int d, int H,
        int paddedLen, int segLen, float* __restrict__ hashes, smyrf_u64* __restrict__ keys) {
    const smyrf_u8* validRow = keyValid != nullptr ? keyValid + (size_t)blockIdx.y * Nk : nullptr;
    smyrf_hash_segment(k, mq2, mk2, A, validRow, B, Nk, d, H, d, paddedLen, segLen, hashes, keys);
}
