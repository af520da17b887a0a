// attention.cu: SMYRF step 6, dense softmax attention inside each cluster of each round.
//
// smyrf_cluster_attention
//   q (B, Nq, d), k (B, Nk, d), v (B, Nk, dv), keyValid (B, Nk) uint8 or null,
//   qOrder (H, B, Nq'), kOrder (H, B, Nk') from smyrf_extract_order (Nq' = L*Cq, Nk' = L*Ck)
//   -> roundOut (H, B, Nq, dv), roundLse (H, B, Nq), at the queries' original positions.
//   grid (L, B, H) x ATTN_THREADS: block (c, b, r) takes cluster c of round r of batch row b,
//   the queries at sorted positions [c*Cq, (c+1)*Cq) in passes of ATTN_THREADS (thread t owns
//   query t of the pass) against the keys at [c*Ck, (c+1)*Ck), gathered through the orders.
//   Placeholder queries (index >= Nq) are skipped; placeholder and masked keys get logit -inf;
//   a query with no valid key gets o = 0 and lse = -inf. Logits are scale * (q . k).
//   Shared memory: attention_tile.cuh, SMYRF_TILE_SHARED_BYTES(ATTN_THREADS, d) dynamic bytes.
//
// Versions (attention_tile.cuh; the logits are recomputed for each chunk of 32 value columns):
// 1 plain float32 on the CUDA cores, flash-style tiles, one shared-memory read per fma:
//   0.57 ms at B=8 N=4096 d=64 dv=64 H=4 C=128 on an H100 (7.5 TFLOP/s useful).
// 2 (this) key rows (d % 4 == 0) and value rows read as float4: 0.43 ms (10.0 TFLOP/s).
#include "attention_tile.cuh"

extern "C" __global__ void __launch_bounds__(SMYRF_ATTN_THREADS)
smyrf_cluster_attention(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, const int* __restrict__ qOrder, const int* __restrict__ kOrder, int B,
        int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L, float scale, float* __restrict__ roundOut,
        float* __restrict__ roundLse) {
    __shared__ int queryIndex[SMYRF_ATTN_THREADS];
    __shared__ int keyIndex[SMYRF_ATTN_KEY_TILE];
    SMYRF_DYNAMIC_SHARED(float, smem);
    const SmyrfTileSmem s = smyrf_tile_smem(smem, SMYRF_ATTN_THREADS, d);

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

    auto queryRowOf = [&](int i) {
        int idx = clusterQueries[i];
        return idx < Nq ? idx : -1;
    };
    auto keyRowOf = [&](int p) {
        int idx = clusterKeys[p];
        return (idx < Nk && (validRow == nullptr || validRow[idx] != 0)) ? idx : -1;
    };

    for (int pass0 = 0; pass0 < Cq; pass0 += SMYRF_ATTN_THREADS) {
        const int count = Cq - pass0 < SMYRF_ATTN_THREADS ? Cq - pass0 : SMYRF_ATTN_THREADS;
        const int myRow = smyrf_load_queries<SMYRF_ATTN_THREADS>(s, queryIndex, qRows, d, count,
                [&](int i) { return queryRowOf(pass0 + i); });
        for (int col0 = 0; col0 < dv; col0 += SMYRF_ATTN_DV_CHUNK) {
            SmyrfSoftmaxState st;
            smyrf_attend_keys<SMYRF_ATTN_THREADS>(s, keyIndex, kRows, vRows, d, dv, col0, Ck, scale, keyRowOf, st);
            if (myRow >= 0) {
                smyrf_store_chunk(st, outRows + (size_t)myRow * dv, dv, col0);
                if (col0 == 0) {
                    lseRow[myRow] = st.l > 0.0f ? st.m + logf(st.l) : -INFINITY;
                }
            }
        }
    }
}
