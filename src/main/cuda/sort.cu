// sort.cu: segmented bitonic sort of uint64 keys (SPEC step 4), and the orders it yields.
//
// keys (segments, segLen) uint64, segLen a power of two; every segment sorts ascending on its own.
// The network is the textbook one over a whole segment: stage k = 2, 4, ..., segLen, step
// j = k/2, ..., 1 compare-exchanges elements lo and lo + j (lo & j == 0) ascending when
// (lo & k) == 0, lo the index inside the segment. Stages and steps whose pairs lie inside one
// chunk of SORT_LOCAL keys run in shared memory; longer distances run one step per launch.
//
// smyrf_sort_local        grid (total / n) x SORT_THREADS, n = min(segLen, SORT_LOCAL): block c
//                         sorts keys[c*n, c*n + n) through stages k = 2..n (the directions of
//                         the full network, so chunks alternate when n < segLen).
// smyrf_sort_global_step  grid (ceil(total/2 / SORT_THREADS)) x SORT_THREADS: thread p does the
//                         p-th pair of step (k, j) over all segments; j >= SORT_LOCAL.
// smyrf_sort_local_merge  like sort_local, n = SORT_LOCAL: steps j = SORT_LOCAL/2 .. 1 of stage k.
// smyrf_extract_order     order (segments, paddedLen) int = low 32 bits of the first paddedLen
//                         keys of each segment; one element per thread, any block size.
// smyrf_cluster_ids       ids (segments, len) int: ids[s, order[s, p]] = p / clusterSize for every
//                         real token (order[s, p] < len) of order (segments, paddedLen); one
//                         position per thread, any block size. The union softmax of SPEC
//                         Extensions compares these ids across rounds (attention.cu).
//
// Shared memory: SORT_LOCAL uint64 (16 KiB) per sort block; thread t owns pair t of each step.
// Versions: 1 (this) plain bitonic network, a barrier between steps.
#include "smyrf_device.cuh"

// Compare-exchange of keys lo and lo + j of one step, ascending or descending.
static __device__ __forceinline__ void smyrf_compare_exchange(smyrf_u64* keys, int lo, int j, bool ascending) {
    smyrf_u64 a = keys[lo];
    smyrf_u64 b = keys[lo + j];
    if ((a > b) == ascending) {
        keys[lo] = b;
        keys[lo + j] = a;
    }
}

// Index of the first element of pair p in a step of distance j (j a power of two).
static __device__ __forceinline__ int smyrf_pair_low(int p, int j) {
    return ((p & ~(j - 1)) << 1) | (p & (j - 1));
}

// Steps j = jFirst .. 1 of stages kFirst .. kLast on this block's chunk, in shared memory.
// `base` is the chunk's first index inside its segment, so directions follow the full network.
static __device__ __forceinline__ void smyrf_sort_chunk(smyrf_u64* __restrict__ keys, int segLen, int n,
        int kFirst, int kLast, int jFirst) {
    __shared__ smyrf_u64 chunk[SMYRF_SORT_LOCAL];
    const int t = threadIdx.x;
    const size_t start = (size_t)blockIdx.x * n;
    const int base = (int)(start & (size_t)(segLen - 1));
    for (int i = t; i < n; i += blockDim.x) {
        chunk[i] = keys[start + i];
    }
    for (int k = kFirst; k <= kLast; k <<= 1) {
        for (int j = (k == kFirst ? jFirst : k >> 1); j > 0; j >>= 1) {
            __syncthreads();
            for (int p = t; p < n / 2; p += blockDim.x) {
                int lo = smyrf_pair_low(p, j);
                smyrf_compare_exchange(chunk, lo, j, ((base + lo) & k) == 0);
            }
        }
    }
    __syncthreads();
    for (int i = t; i < n; i += blockDim.x) {
        keys[start + i] = chunk[i];
    }
}

extern "C" __global__ void __launch_bounds__(SMYRF_SORT_THREADS)
smyrf_sort_local(smyrf_u64* __restrict__ keys, int segLen) {
    const int n = segLen < SMYRF_SORT_LOCAL ? segLen : SMYRF_SORT_LOCAL;
    smyrf_sort_chunk(keys, segLen, n, 2, n, 1);
}

extern "C" __global__ void __launch_bounds__(SMYRF_SORT_THREADS)
smyrf_sort_global_step(smyrf_u64* __restrict__ keys, int segLen, int k, int j, int total) {
    const size_t p = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (size_t)total / 2) {
        return;
    }
    // Pairs never straddle segments: segLen is a multiple of 2j.
    const size_t lo = ((p & ~(size_t)(j - 1)) << 1) | (p & (size_t)(j - 1));
    const bool ascending = ((lo & (size_t)(segLen - 1)) & (size_t)k) == 0;
    smyrf_u64 a = keys[lo];
    smyrf_u64 b = keys[lo + j];
    if ((a > b) == ascending) {
        keys[lo] = b;
        keys[lo + j] = a;
    }
}

extern "C" __global__ void __launch_bounds__(SMYRF_SORT_THREADS)
smyrf_sort_local_merge(smyrf_u64* __restrict__ keys, int segLen, int k) {
    smyrf_sort_chunk(keys, segLen, SMYRF_SORT_LOCAL, k, k, SMYRF_SORT_LOCAL / 2);
}

extern "C" __global__ void
smyrf_extract_order(const smyrf_u64* __restrict__ keys, int segLen, int paddedLen, int segments, int* __restrict__ order) {
    const size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (size_t)segments * paddedLen) {
        return;
    }
    const size_t s = e / paddedLen;
    const size_t i = e - s * paddedLen;
    order[e] = (int)(unsigned)(keys[s * segLen + i] & 0xFFFFFFFFULL);
}

// Every token appears once per segment of the order, so each real token's id is written once.
extern "C" __global__ void
smyrf_cluster_ids(const int* __restrict__ order, int segments, int len, int paddedLen, int clusterSize,
        int* __restrict__ ids) {
    const size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (size_t)segments * paddedLen) {
        return;
    }
    const size_t s = e / paddedLen;
    const int p = (int)(e - s * paddedLen);
    const int token = order[e];
    if (token < len) {
        ids[s * len + token] = p / clusterSize;
    }
}
