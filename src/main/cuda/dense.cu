// dense.cu: exact softmax attention, the baseline SMYRF is measured against (SPEC "Dense").
//
// smyrf_dense_attention
//   q (B, Nq, d), k (B, Nk, d), v (B, Nk, dv), keyValid (B, Nk) uint8 or null -> out (B, Nq, dv).
//   grid (ceil(Nq / DENSE_THREADS), B) x DENSE_THREADS: block (x, b) takes queries
//   [x*T, x*T + T) of batch row b, thread t owns one, against every key in tiles of KEY_TILE with
//   an online softmax, so no Nq x Nk buffer exists. Masked keys get logit -inf; a query with no
//   valid key gets 0. Logits are scale * (q . k).
//   Shared memory: attention_tile.cuh, SMYRF_TILE_SHARED_BYTES(DENSE_THREADS, d) dynamic bytes.
//
// Versions: the tile loop of attention.cu, so its versions: 1 plain float32, 4.48 ms at B=8
// N=4096 d=64 on an H100; 2 (this) float4 tile reads, 3.44 ms (10 TFLOP/s).
#include "attention_tile.cuh"

extern "C" __global__ void __launch_bounds__(SMYRF_DENSE_THREADS)
smyrf_dense_attention(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, int B, int Nq, int Nk, int d, int dv, float scale,
        float* __restrict__ out) {
    __shared__ int queryIndex[SMYRF_DENSE_THREADS];
    __shared__ int keyIndex[SMYRF_ATTN_KEY_TILE];
    SMYRF_DYNAMIC_SHARED(float, smem);
    const SmyrfTileSmem s = smyrf_tile_smem(smem, SMYRF_DENSE_THREADS, d);

    const int b = blockIdx.y;
    const int first = blockIdx.x * SMYRF_DENSE_THREADS;
    const int count = Nq - first < SMYRF_DENSE_THREADS ? Nq - first : SMYRF_DENSE_THREADS;
    const float* kRows = k + (size_t)b * Nk * d;
    const float* vRows = v + (size_t)b * Nk * dv;
    const smyrf_u8* validRow = keyValid != nullptr ? keyValid + (size_t)b * Nk : nullptr;

    const int myRow = smyrf_load_queries<SMYRF_DENSE_THREADS>(s, queryIndex, q + (size_t)b * Nq * d, d, count,
            [&](int i) { return first + i; });
    auto keyRowOf = [&](int p) { return (validRow == nullptr || validRow[p] != 0) ? p : -1; };
    for (int col0 = 0; col0 < dv; col0 += SMYRF_ATTN_DV_CHUNK) {
        SmyrfSoftmaxState st;
        SmyrfPlainLogits plain;
        smyrf_attend_keys<SMYRF_DENSE_THREADS>(s, keyIndex, kRows, vRows, d, dv, col0, Nk, scale, keyRowOf, plain, st);
        if (myRow >= 0) {
            smyrf_store_chunk(st, out + ((size_t)b * Nq + myRow) * dv, dv, col0);
        }
    }
}
