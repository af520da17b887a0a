// attention_tc.cu: SMYRF step 6 on tensor cores, for the plain hash rounds.
//
// smyrf_cluster_attention_tc
//   The contract of smyrf_cluster_attention (attention.cu): the same parameters, outputs and
//   grid (L, B, H), one block per (cluster, batch row, round); SMYRF_TC_THREADS threads and
//   SMYRF_TC_SHARED_BYTES(d, dv) dynamic shared bytes. Placeholder queries are skipped,
//   placeholder and masked keys get logit -inf, a query with no valid key gets o = 0 and
//   lse = -inf, logits are scale * (q . k).
//
// How: the block takes the cluster's queries SMYRF_TC_QUERY_ROWS at a time (a pass; warp w owns
// rows 16w .. 16w+15) and walks its keys in tiles of SMYRF_TC_KEY_TILE, flash-style; a pass of
// 128 rows means a cluster of up to 128 queries gathers each key row once per round, and a warp
// whose rows all lie past the cluster's end (small clusters) skips the math. Per tile:
//   1. the block gathers the tile's key and value rows through the order into shared memory;
//   2. each warp computes its 16 x KEY_TILE logits S = Q K^T with wmma (TF32, m16n16k8);
//   3. two lanes per query row fold the tile into the row's online softmax (max m, sum l),
//      write the probabilities P over S and rescale the row's output accumulator O;
//   4. each warp adds P V to O with wmma, O living in shared memory (a fragment's layout is
//      unspecified, so rows cannot be rescaled in registers).
// Accuracy: a float x is split into big = tf32(x) and small = tf32(x - big), and every product
// is big*big + big*small + small*big (3xTF32), so the logits and outputs keep close to float32
// accuracy (the dropped small*small term is below 2^-22 relative) while the tensor cores do
// the multiply-adds. Each k-step's three MMAs go to a fresh fragment that is then added to the
// running sum in float32, so tensor-core rounding (truncation on A100) stays inside one k-step.
//
// Padding: query and key rows are staged with zeros up to a multiple of 8 columns (one k-step),
// value rows and O up to a multiple of 16 (one wmma column tile), so any d and dv work; rows
// are 4 floats longer than that, so consecutive rows start in different banks and every tile
// start stays 32-byte aligned, as wmma requires.
//
// Shared memory (floats; SMYRF_TC_SHARED_BYTES):
//   Qs [QUERY_ROWS][dPad + 4]   the pass's query rows
//   Ks [KEY_TILE][dPad + 4]     the tile's key rows (read as the column-major K^T)
//   Vs [KEY_TILE][dvPad + 4]    the tile's value rows
//   Ss [QUERY_ROWS][KEY_TILE + 4]  logits, then probabilities, of the tile
//   Os [QUERY_ROWS][dvPad + 4]  the running output accumulator
// Static: the row index of each query of the pass and each key of the tile (-1: none).
//
// Versions (written on the CPU emulation, src/test/cpp/cuda_emu.h emulates the wmma calls above):
// 1 four warps, passes of 64 rows: a cluster of 128 queries gathered its keys twice per round.
// 2 (this) eight warps, passes of 128 rows (105,472 shared bytes at d = dv = 64, two blocks per
//   SM on an H100); warps without rows skip the math. On an H100 (2026-11-28): correct (41
//   parity cases within 1.1e-5, racecheck and memcheck clean) but 12-16% slower than the
//   CUDA-core kernel, and a single TF32 MMA per product would only match it: the cost is the
//   shared-memory softmax and accumulator and the per-tile barriers at 25% occupancy, not the
//   MMAs (docs/performance.md). Opt-in until a register-resident softmax beats the CUDA cores.
#include "smyrf_device.cuh"

#ifndef SMYRF_CUDA_EMU
#include <mma.h>
#endif

#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif

using namespace nvcuda;

namespace {

constexpr int kPassRows = SMYRF_TC_QUERY_ROWS;
constexpr int kTileKeys = SMYRF_TC_KEY_TILE;
constexpr int kThreads = SMYRF_TC_THREADS;
constexpr unsigned kFullWarp = 0xFFFFFFFFu;
static_assert(kPassRows == 16 * (kThreads / 32), "each warp owns one 16-row tile of the pass");
static_assert(kTileKeys % 16 == 0 && kTileKeys / 2 <= 32, "the key tile is whole wmma column tiles; a lane holds half a row");
static_assert(kThreads >= kPassRows && kThreads >= kTileKeys, "one thread per query and per key fills the row indices");
// The dynamic shared memory starts right after the static row indices, 16-byte aligned at
// least (nvcc may ignore __align__ on an extern shared array). wmma needs 32-byte aligned tile
// starts, so the static bytes must stay a multiple of 128 (the kernel also traps if not).
static_assert((kPassRows + kTileKeys) * sizeof(int) % 128 == 0, "static shared bytes keep the dynamic base aligned");

typedef wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> FragA;
typedef wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> FragBCol;
typedef wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> FragBRow;
typedef wmma::fragment<wmma::accumulator, 16, 16, 8, float> FragAcc;

// x rounded to TF32 (nearest, ties away from zero) as a float whose low 13 bits are zero: the
// operand format the MMA reads. Spelled on the bits rather than with __float_to_tf32, whose
// result's bit layout the CUDA math API leaves unspecified; infinities and NaN pass unchanged.
__device__ __forceinline__ float round_tf32(float x) {
    const unsigned bits = __float_as_uint(x);
    return (bits & 0x7F800000u) == 0x7F800000u ? x : __uint_as_float((bits + 0x1000u) & 0xFFFFE000u);
}

// Loads a tile into `big` and splits it: big = tf32(x), small = tf32(x - big) (x - big is exact).
template <class Frag>
__device__ __forceinline__ void load_split(Frag& big, Frag& small, const float* p, unsigned ldm) {
    wmma::load_matrix_sync(big, p, ldm);
#pragma unroll
    for (int e = 0; e < big.num_elements; e++) {
        const float x = big.x[e];
        const float hi = round_tf32(x);
        big.x[e] = hi;
        small.x[e] = round_tf32(x - hi);
    }
}

// acc += a * b for one k-step in 3xTF32: the two small cross terms, then the big product, into a
// zeroed fragment, which is then added to acc element by element (the same type, so the same
// lane mapping). The tensor cores may truncate when they round their sums (A100 does, H100 is
// undocumented); chaining every k-step's MMAs into acc would let that error grow with d and Ck,
// while one rounded add per k-step keeps the running sum in round-to-nearest float32.
template <class FragB>
__device__ __forceinline__ void mma_3xtf32(FragAcc& acc, const FragA& aBig, const FragA& aSmall, const FragB& bBig,
        const FragB& bSmall) {
    FragAcc step;
    wmma::fill_fragment(step, 0.0f);
    wmma::mma_sync(step, aBig, bSmall, step);
    wmma::mma_sync(step, aSmall, bBig, step);
    wmma::mma_sync(step, aBig, bBig, step);
#pragma unroll
    for (int e = 0; e < acc.num_elements; e++) {
        acc.x[e] += step.x[e];
    }
}

}  // namespace

// Two blocks per SM: 105,472 shared bytes each at d = dv = 64 allow two on an H100, and so
// must the registers (at most 128 per thread; ptxas chose 123 on sm_90 without the bound).
extern "C" __global__ void __launch_bounds__(SMYRF_TC_THREADS, 2)
smyrf_cluster_attention_tc(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, const int* __restrict__ qOrder, const int* __restrict__ kOrder, int B,
        int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L, float scale, float* __restrict__ roundOut,
        float* __restrict__ roundLse) {
    __shared__ int queryRow[kPassRows];
    __shared__ int keyRow[kTileKeys];
#ifdef SMYRF_CUDA_EMU
    SMYRF_DYNAMIC_SHARED(float, smem);
#else
    // wmma tile starts must be 32-byte aligned: see the static_assert on the static bytes above.
    extern __shared__ __align__(128) float smem[];
    if ((static_cast<unsigned>(__cvta_generic_to_shared(smem)) & 31u) != 0u) {
        __trap();  // a launch error naming this kernel beats silently wrong tiles
    }
#endif
    const int t = threadIdx.x;
    const int warp = t / 32;
    const int lane = t % 32;

    const int dPad = SMYRF_TC_ROUND_UP(d, 8);
    const int dvPad = SMYRF_TC_ROUND_UP(dv, 16);
    const int kStride = dPad + 4;   // Qs and Ks rows
    const int vStride = dvPad + 4;  // Vs and Os rows
    const int sStride = kTileKeys + 4;
    float* Qs = smem;
    float* Ks = Qs + kPassRows * kStride;
    float* Vs = Ks + kTileKeys * kStride;
    float* Ss = Vs + kTileKeys * vStride;
    float* Os = Ss + kPassRows * sStride;
    const float* warpQ = Qs + warp * 16 * kStride;
    float* warpS = Ss + warp * 16 * sStride;
    float* warpO = Os + warp * 16 * vStride;
    // Softmax ownership: lane pair (2i, 2i+1) holds row i of the warp's tile, each lane one half
    // of its logits and one half of its output columns.
    const int myRow = lane >> 1;
    const int half = lane & 1;
    float* sHalf = warpS + myRow * sStride + half * (kTileKeys / 2);
    float* oHalf = warpO + myRow * vStride + half * (dvPad / 2);

    const int cluster = blockIdx.x;
    const int b = blockIdx.y;
    const int r = blockIdx.z;
    const size_t segment = (size_t)r * B + b;
    const int* clusterQueries = qOrder + segment * ((size_t)L * Cq) + (size_t)cluster * Cq;
    const int* clusterKeys = kOrder + segment * ((size_t)L * Ck) + (size_t)cluster * Ck;
    const float* qRows = q + (size_t)b * Nq * d;
    const float* kRows = k + (size_t)b * Nk * d;
    const float* vRows = v + (size_t)b * Nk * dv;
    const smyrf_u8* validRow = keyValid != nullptr ? keyValid + (size_t)b * Nk : nullptr;
    float* outRows = roundOut + segment * Nq * dv;
    float* lseRow = roundLse + segment * Nq;

    for (int pass0 = 0; pass0 < Cq; pass0 += kPassRows) {
        __syncthreads();  // the previous pass is done with queryRow, Qs and Os
        if (t < kPassRows) {
            const int idx = pass0 + t < Cq ? clusterQueries[pass0 + t] : Nq;
            queryRow[t] = idx < Nq ? idx : -1;
        }
        __syncthreads();
        for (int e = t; e < kPassRows * dPad; e += kThreads) {
            const int i = e / dPad;
            const int c = e - i * dPad;
            const int row = queryRow[i];
            Qs[i * kStride + c] = (row >= 0 && c < d) ? qRows[(size_t)row * d + c] : 0.0f;
        }
        for (int e = t; e < kPassRows * dvPad; e += kThreads) {
            const int i = e / dvPad;
            Os[i * vStride + (e - i * dvPad)] = 0.0f;
        }
        // Warp-uniform: the warp's first row is past the cluster's last query.
        const bool warpHasRows = pass0 + warp * 16 < Cq;
        float m = -INFINITY;  // this lane's row: max logit so far
        float l = 0.0f;       // and the sum of exp(logit - m)

        for (int tile0 = 0; tile0 < Ck; tile0 += kTileKeys) {
            __syncthreads();  // every warp is done with the previous tile (and Qs, Os are staged)
            if (t < kTileKeys) {
                int row = -1;
                if (tile0 + t < Ck) {
                    const int idx = clusterKeys[tile0 + t];
                    row = (idx < Nk && (validRow == nullptr || validRow[idx] != 0)) ? idx : -1;
                }
                keyRow[t] = row;
            }
            __syncthreads();
            for (int e = t; e < kTileKeys * dPad; e += kThreads) {
                const int j = e / dPad;
                const int c = e - j * dPad;
                const int row = keyRow[j];
                Ks[j * kStride + c] = (row >= 0 && c < d) ? kRows[(size_t)row * d + c] : 0.0f;
            }
            for (int e = t; e < kTileKeys * dvPad; e += kThreads) {
                const int j = e / dvPad;
                const int c = e - j * dvPad;
                const int row = keyRow[j];
                Vs[j * vStride + c] = (row >= 0 && c < dv) ? vRows[(size_t)row * dv + c] : 0.0f;
            }
            __syncthreads();
            if (!warpHasRows) {
                continue;  // no query of the cluster in this warp's rows; the barriers above are all it owes
            }

            // S = Q K^T for the warp's 16 rows; K^T is Ks read column-major.
            FragAcc s[kTileKeys / 16];
#pragma unroll
            for (int n = 0; n < kTileKeys / 16; n++) {
                wmma::fill_fragment(s[n], 0.0f);
            }
            for (int c0 = 0; c0 < dPad; c0 += 8) {
                FragA aBig, aSmall;
                load_split(aBig, aSmall, warpQ + c0, kStride);
#pragma unroll
                for (int n = 0; n < kTileKeys / 16; n++) {
                    FragBCol bBig, bSmall;
                    load_split(bBig, bSmall, Ks + n * 16 * kStride + c0, kStride);
                    mma_3xtf32(s[n], aBig, aSmall, bBig, bSmall);
                }
            }
#pragma unroll
            for (int n = 0; n < kTileKeys / 16; n++) {
                wmma::store_matrix_sync(warpS + n * 16, s[n], sStride, wmma::mem_row_major);
            }
            __syncwarp();

            // Online softmax of the tile, two lanes per row; masked keys get -inf.
            float logit[kTileKeys / 2];
            float tileMax = -INFINITY;
#pragma unroll
            for (int j = 0; j < kTileKeys / 2; j++) {
                logit[j] = keyRow[half * (kTileKeys / 2) + j] >= 0 ? sHalf[j] * scale : -INFINITY;
                tileMax = fmaxf(tileMax, logit[j]);
            }
            tileMax = fmaxf(tileMax, __shfl_xor_sync(kFullWarp, tileMax, 1));
            const float mNew = fmaxf(m, tileMax);
            // mNew = -inf: no valid key so far; p = 0 and O stays 0 (and m - mNew would be NaN).
            const bool none = mNew == -INFINITY;
            const float rescale = none ? 1.0f : expf(m - mNew);  // 0 while m = -inf
            float sum = 0.0f;
#pragma unroll
            for (int j = 0; j < kTileKeys / 2; j++) {
                const float p = none ? 0.0f : expf(logit[j] - mNew);  // 0 for a masked key
                sHalf[j] = p;
                sum += p;
            }
            sum += __shfl_xor_sync(kFullWarp, sum, 1);
            l = l * rescale + sum;
            m = mNew;
            for (int c = 0; c < dvPad / 2; c++) {
                oHalf[c] *= rescale;
            }
            __syncwarp();

            // O += P V, one 16-column tile of O at a time, O loaded and stored as the accumulator.
            for (int c0 = 0; c0 < dvPad; c0 += 16) {
                FragAcc o;
                wmma::load_matrix_sync(o, warpO + c0, vStride, wmma::mem_row_major);
#pragma unroll
                for (int k0 = 0; k0 < kTileKeys; k0 += 8) {
                    FragA aBig, aSmall;
                    FragBRow bBig, bSmall;
                    load_split(aBig, aSmall, warpS + k0, sStride);
                    load_split(bBig, bSmall, Vs + k0 * vStride + c0, vStride);
                    mma_3xtf32(o, aBig, aSmall, bBig, bSmall);
                }
                wmma::store_matrix_sync(warpO + c0, o, vStride, wmma::mem_row_major);
            }
            __syncwarp();
        }

        // o = O / l at the query's original position, lse = m + log l.
        const int query = queryRow[warp * 16 + myRow];
        if (query >= 0) {
            const bool any = l > 0.0f;
            float* out = outRows + (size_t)query * dv;
            const int c0 = half * (dvPad / 2);
            for (int c = 0; c < dvPad / 2 && c0 + c < dv; c++) {
                out[c0 + c] = any ? oHalf[c] / l : 0.0f;
            }
            if (half == 0) {
                lseRow[query] = any ? m + logf(l) : -INFINITY;
            }
        }
    }
}
