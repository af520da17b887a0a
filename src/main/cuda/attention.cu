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
// SPEC Extensions (two more entry points; the plain kernel above stays as it was):
// smyrf_cluster_attention_global   the same, plus globalKeys (B, G) int, -1 = none.
// smyrf_cluster_attention_union    the same, plus globalKeys (B, G) or null (G = 0), and
//   qCluster (H, B, Nq) / kCluster (H, B, Nk) int from smyrf_cluster_ids.
//   keyValid says which keys may sit in a cluster: valid and not global (the mask the keys were
//   sorted with), so a global key is skipped where it lands.
//   Global keys: block (c, b, r) walks Ck + G key positions, the last G being row b's global
//   keys, so they join every cluster's online softmax as one more stretch of tiles.
//   Union softmax: each valid key's logit gets -log n_ij, n_ij the rounds r' with
//   qCluster[r', b, i] == kCluster[r', b, j] (H for a global key); see SmyrfUnionLogits.
//   With a local window w > 0 (the `window` parameter, 0 = off), a cluster key j with
//   |i - j| <= w counts once more (the window is one more key set); global keys do not.
//   Extra dynamic shared memory: SMYRF_UNION_SHARED_BYTES(ATTN_THREADS, H).
//   Two kernels rather than one with a runtime switch: ptxas allots one kernel's registers for
//   its costliest path, and the union's counts would cost the global-keys path occupancy.
//   Both are bounded to 3 blocks per SM (at most 168 registers): ptxas's own choice for 128
//   threads spilled on sm_80/sm_86.
//
// Local window (docs/kernels.md "Local window", an extension beyond SPEC.md):
// smyrf_window_attention   q, k, v, keyValid as above (valid and not global: global keys are
//   never in the window), qCluster / kCluster for the union softmax or both null; writes round
//   slot H of roundOut (H+1, B, Nq, dv) / roundLse (H+1, B, Nq), the window's round.
//   grid (ceil(Nq / ATTN_THREADS), B) x ATTN_THREADS: block (x, b) owns queries
//   [x*T, x*T + T) of row b (thread t: query x*T + t, T = ATTN_THREADS) and walks the keys
//   [x*T - w, x*T + T - 1 + w], clipped to the row, in the tile loop; each thread gives -inf to
//   the keys outside its own window |i - j| <= w (SmyrfWindowLogits). With the union softmax a
//   key's logit gets -log(n_ij + 1), n_ij its hash rounds' count, + 1 for the window.
//   A query with no valid key in its window gets o = 0, lse = -inf. Dynamic shared memory as
//   smyrf_cluster_attention, plus SMYRF_UNION_SHARED_BYTES(ATTN_THREADS, H) with the union.
//   Cost: a block computes (T + 2w) logits per query of which 2w + 1 count, like one hash round
//   of cluster size T + 2w.
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
            SmyrfPlainLogits plain;
            smyrf_attend_keys<SMYRF_ATTN_THREADS>(s, keyIndex, kRows, vRows, d, dv, col0, Ck, scale, keyRowOf, plain,
                    st);
            if (myRow >= 0) {
                smyrf_store_chunk(st, outRows + (size_t)myRow * dv, dv, col0);
                if (col0 == 0) {
                    lseRow[myRow] = st.l > 0.0f ? st.m + logf(st.l) : -INFINITY;
                }
            }
        }
    }
}

// SPEC Extensions, union softmax: a valid key's logit minus log n_ij, n_ij the rounds in which
// query i and key j share a cluster; a global key (position >= globalFrom) is in every cluster
// of every round: n = H. Query i shares round r's cluster with every valid key of that cluster,
// so n >= 1 there. Dynamic shared memory after the tile's (SMYRF_UNION_SHARED_BYTES, all
// 16-byte aligned since the tile's bytes are a multiple of 16):
//   keyIds   [H][KEY_TILE] int     the tile's keys' cluster in each round (-1: masked or global),
//                                  read as int4 by every thread at once (broadcasts)
//   queryIds [THREADS][H|1] int    each thread's query's cluster in each round (-2: no query);
//                                  the odd stride puts a warp's rows in different banks
//   logCount [H+2] float           log n, n = 0..H+1 (entry 0 unused by valid keys; 0; H+1: a
//                                  key in every round's cluster and in the local window)
// Per tile and thread: H * (1 + KEY_TILE/4) shared reads and H * KEY_TILE compares, against
// d * KEY_TILE fma for the logits themselves; with a local window, KEY_TILE more reads and
// compares (the tile's key rows against this thread's query).
template <int THREADS>
struct SmyrfUnionLogits {
    const int* __restrict__ kClusterRow;  // kCluster + b * Nk; round r at r * roundStride
    size_t roundStride;                   // B * Nk
    int H;
    int globalFrom;                       // Ck: key positions from here on are global keys
    int* keyIds;
    const int* myIds;                     // this thread's row of queryIds
    const float* logCount;
    // The local window (0: off): a cluster key within `window` of this thread's query `myRow`
    // is in one more key set. keyIndex: the tile's key rows (attention_tile.cuh).
    int window;
    int myRow;
    const int* keyIndex;
    // n of keys 2m and 2m+1 in the low and high 16 bits of pairs[m] (n <= H + 1 with the local
    // window, and H is far below 65535: requireUnionFits bounds it by shared memory, about 288 at
    // d = 64 on an H100): half the registers of one count per key, which kept sm_80 from spilling.
    unsigned pairs[SMYRF_ATTN_KEY_TILE / 2];

    __device__ __forceinline__ void stage(const int* keyIndex, int tile0) {
        for (int e = threadIdx.x; e < H * SMYRF_ATTN_KEY_TILE; e += THREADS) {
            const int r = e / SMYRF_ATTN_KEY_TILE;
            const int j = e - r * SMYRF_ATTN_KEY_TILE;
            const int row = keyIndex[j];
            keyIds[e] = (row >= 0 && tile0 + j < globalFrom) ? kClusterRow[(size_t)r * roundStride + row] : -1;
        }
    }

    __device__ __forceinline__ void prepare(int tile0) {
#pragma unroll
        for (int m = 0; m < SMYRF_ATTN_KEY_TILE / 2; m++) {
            const unsigned low = tile0 + 2 * m >= globalFrom ? (unsigned)H : 0u;
            const unsigned high = tile0 + 2 * m + 1 >= globalFrom ? (unsigned)H : 0u;
            pairs[m] = low | (high << 16);
        }
#pragma unroll 1
        for (int r = 0; r < H; r++) {
            const int mine = myIds[r];
            const int4* ids = reinterpret_cast<const int4*>(keyIds + r * SMYRF_ATTN_KEY_TILE);
#pragma unroll
            for (int c = 0; c < SMYRF_ATTN_KEY_TILE / 4; c++) {
                const int4 k4 = ids[c];
                pairs[2 * c] += (k4.x == mine ? 1u : 0u) | (k4.y == mine ? 0x10000u : 0u);
                pairs[2 * c + 1] += (k4.z == mine ? 1u : 0u) | (k4.w == mine ? 0x10000u : 0u);
            }
        }
        if (window > 0) {
            // Global positions are left out: a global key is never in the window's key set. A
            // masked key (row -1) may be counted, but its logit is -inf whatever its count.
#pragma unroll
            for (int m = 0; m < SMYRF_ATTN_KEY_TILE / 2; m++) {
                const int low = keyIndex[2 * m] - myRow;
                const int high = keyIndex[2 * m + 1] - myRow;
                const bool lowIn = tile0 + 2 * m < globalFrom && low <= window && low >= -window;
                const bool highIn = tile0 + 2 * m + 1 < globalFrom && high <= window && high >= -window;
                pairs[m] += (lowIn ? 1u : 0u) | (highIn ? 0x10000u : 0u);
            }
        }
    }

    __device__ __forceinline__ float adjust(float logit, int j) const {
        const unsigned n = (j & 1) ? pairs[j >> 1] >> 16 : pairs[j >> 1] & 0xFFFFu;
        return logit - logCount[n];
    }
};

// Points `logits` at row b's cluster ids and carves the union softmax's dynamic shared memory
// after the tile's (layout above); fills the table of log n, n = 0..H+1 (read after the first
// pass's barriers). Key positions from globalFrom on are global keys. The window is off; returns
// this thread's row of queryIds, for its query's ids.
template <int THREADS>
static __device__ __forceinline__ int* smyrf_union_setup(SmyrfUnionLogits<THREADS>& logits, const SmyrfTileSmem& s,
        const int* __restrict__ kCluster, int b, int B, int Nk, int H, int globalFrom) {
    const int idStride = H | 1;
    int* keyIds = reinterpret_cast<int*>(s.values + SMYRF_ATTN_KEY_TILE * SMYRF_ATTN_DV_CHUNK);
    int* queryIds = keyIds + H * SMYRF_ATTN_KEY_TILE;
    float* logCount = reinterpret_cast<float*>(queryIds + THREADS * idStride);
    for (int e = threadIdx.x; e <= H + 1; e += THREADS) {
        logCount[e] = e == 0 ? 0.0f : logf((float)e);
    }
    int* myIds = queryIds + threadIdx.x * idStride;
    logits.kClusterRow = kCluster + (size_t)b * Nk;
    logits.roundStride = (size_t)B * Nk;
    logits.H = H;
    logits.globalFrom = globalFrom;
    logits.keyIds = keyIds;
    logits.myIds = myIds;
    logits.logCount = logCount;
    logits.window = 0;
    logits.myRow = -1;
    logits.keyIndex = nullptr;
    return myIds;
}

// This thread's query's cluster in each of the H rounds (-2: no query), into its row of
// queryIds. Only this thread reads that row, and it is done with the previous pass's.
static __device__ __forceinline__ void smyrf_load_query_ids(int* myIds, const int* __restrict__ qCluster, int b,
        int B, int Nq, int H, int myRow) {
    for (int r = 0; r < H; r++) {
        myIds[r] = myRow >= 0 ? qCluster[((size_t)r * B + b) * Nq + myRow] : -2;
    }
}

// The logit policy of the extension kernels: union softmax or plain logits.
template <bool UNION, int THREADS>
struct SmyrfLogitsOf {
    typedef SmyrfPlainLogits type;
};
template <int THREADS>
struct SmyrfLogitsOf<true, THREADS> {
    typedef SmyrfUnionLogits<THREADS> type;
};

// Minimum resident blocks per SM for the extension kernels (see the comment at the top).
#define SMYRF_EXT_MIN_BLOCKS 3

// One pass of the extension and window kernels: this thread's query (row myRow, -1: none)
// against key positions [0, keyCount), chunk by chunk of dv; writes its o row and lse.
template <int THREADS, class KeyRowOf, class Logits>
static __device__ __forceinline__ void smyrf_attend_pass(const SmyrfTileSmem& s, int* keyIndex,
        const float* kRows, const float* vRows, int d, int dv, int keyCount, float scale, KeyRowOf keyRowOf,
        Logits& logits, int myRow, float* outRows, float* lseRow) {
    for (int col0 = 0; col0 < dv; col0 += SMYRF_ATTN_DV_CHUNK) {
        SmyrfSoftmaxState st;
        smyrf_attend_keys<THREADS>(s, keyIndex, kRows, vRows, d, dv, col0, keyCount, scale, keyRowOf, logits, st);
        if (myRow >= 0) {
            smyrf_store_chunk(st, outRows + (size_t)myRow * dv, dv, col0);
            if (col0 == 0) {
                lseRow[myRow] = st.l > 0.0f ? st.m + logf(st.l) : -INFINITY;
            }
        }
    }
}

// The body of both extension kernels; UNION picks the logit policy. qCluster / kCluster and
// the local window are read only with UNION. The kernels declare the shared memory (smem: the
// dynamic part; queryIndex, keyIndex: the static row indices of attention_tile.cuh).
template <bool UNION>
static __device__ __forceinline__ void smyrf_cluster_attention_ext(float* smem, int* queryIndex, int* keyIndex,
        const float* __restrict__ q,
        const float* __restrict__ k, const float* __restrict__ v, const smyrf_u8* __restrict__ keyValid,
        const int* __restrict__ qOrder, const int* __restrict__ kOrder, const int* __restrict__ globalKeys,
        const int* __restrict__ qCluster, const int* __restrict__ kCluster, int B, int H, int Nq, int Nk, int d,
        int dv, int Cq, int Ck, int L, int G, int window, float scale, float* __restrict__ roundOut,
        float* __restrict__ roundLse) {
    constexpr int THREADS = SMYRF_ATTN_THREADS;
    const SmyrfTileSmem s = smyrf_tile_smem(smem, THREADS, d);

    const int cluster = blockIdx.x;
    const int b = blockIdx.y;
    const int r = blockIdx.z;
    const size_t segment = (size_t)r * B + b;
    const int* clusterQueries = qOrder + segment * ((size_t)L * Cq) + (size_t)cluster * Cq;
    const int* clusterKeys = kOrder + segment * ((size_t)L * Ck) + (size_t)cluster * Ck;
    const int* globalRow = globalKeys != nullptr ? globalKeys + (size_t)b * G : nullptr;
    const int keyCount = Ck + (globalRow != nullptr ? G : 0);
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
    // Positions [0, Ck): the cluster's keys; [Ck, Ck + G): the row's global keys (-1 = none).
    auto keyRowOf = [&](int p) {
        if (p >= Ck) {
            return globalRow[p - Ck];
        }
        int idx = clusterKeys[p];
        return (idx < Nk && (validRow == nullptr || validRow[idx] != 0)) ? idx : -1;
    };

    typename SmyrfLogitsOf<UNION, THREADS>::type logits;
    int* myIds = nullptr;
    if constexpr (UNION) {
        myIds = smyrf_union_setup<THREADS>(logits, s, kCluster, b, B, Nk, H, Ck);
        logits.window = window;
        logits.keyIndex = keyIndex;
    }

    for (int pass0 = 0; pass0 < Cq; pass0 += THREADS) {
        const int count = Cq - pass0 < THREADS ? Cq - pass0 : THREADS;
        const int myRow = smyrf_load_queries<THREADS>(s, queryIndex, qRows, d, count,
                [&](int i) { return queryRowOf(pass0 + i); });
        if constexpr (UNION) {
            smyrf_load_query_ids(myIds, qCluster, b, B, Nq, H, myRow);
            logits.myRow = myRow;
        }
        smyrf_attend_pass<THREADS>(s, keyIndex, kRows, vRows, d, dv, keyCount, scale, keyRowOf, logits, myRow,
                outRows, lseRow);
    }
}

extern "C" __global__ void __launch_bounds__(SMYRF_ATTN_THREADS, SMYRF_EXT_MIN_BLOCKS)
smyrf_cluster_attention_global(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, const int* __restrict__ qOrder, const int* __restrict__ kOrder,
        const int* __restrict__ globalKeys, int B, int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L, int G,
        float scale, float* __restrict__ roundOut, float* __restrict__ roundLse) {
    __shared__ int queryIndex[SMYRF_ATTN_THREADS];
    __shared__ int keyIndex[SMYRF_ATTN_KEY_TILE];
    SMYRF_DYNAMIC_SHARED(float, smem);
    smyrf_cluster_attention_ext<false>(smem, queryIndex, keyIndex, q, k, v, keyValid, qOrder, kOrder, globalKeys,
            nullptr, nullptr, B, H, Nq, Nk, d, dv, Cq, Ck, L, G, 0, scale, roundOut, roundLse);
}

extern "C" __global__ void __launch_bounds__(SMYRF_ATTN_THREADS, SMYRF_EXT_MIN_BLOCKS)
smyrf_cluster_attention_union(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, const int* __restrict__ qOrder, const int* __restrict__ kOrder,
        const int* __restrict__ globalKeys, const int* __restrict__ qCluster, const int* __restrict__ kCluster, int B,
        int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L, int G, int window, float scale,
        float* __restrict__ roundOut, float* __restrict__ roundLse) {
    __shared__ int queryIndex[SMYRF_ATTN_THREADS];
    __shared__ int keyIndex[SMYRF_ATTN_KEY_TILE];
    SMYRF_DYNAMIC_SHARED(float, smem);
    smyrf_cluster_attention_ext<true>(smem, queryIndex, keyIndex, q, k, v, keyValid, qOrder, kOrder, globalKeys,
            qCluster, kCluster, B, H, Nq, Nk, d, dv, Cq, Ck, L, G, window, scale, roundOut, roundLse);
}

// The local window's logit policy: -inf for the keys outside this thread's window
// |i - j| <= w (per thread; attention_tile.cuh's tile loop allows that), and with UNION the
// union softmax's count: n_ij of the hash rounds from the cluster ids, + 1 for the window itself
// (counts.logCount is shifted by one entry, so its adjust() subtracts log(n_ij + 1)).
template <int THREADS, bool UNION>
struct SmyrfWindowLogits {
    SmyrfUnionLogits<THREADS> counts;  // UNION only; no global positions, its own window off
    int firstKey;                      // the key at position 0 of the block's walk
    int tileKey;                       // the key at position 0 of the current tile
    int myRow;                         // this thread's query (-1: none)
    int window;

    __device__ __forceinline__ void stage(const int* keyIndex, int tile0) {
        if constexpr (UNION) {
            counts.stage(keyIndex, tile0);
        }
    }

    __device__ __forceinline__ void prepare(int tile0) {
        tileKey = firstKey + tile0;
        if constexpr (UNION) {
            counts.prepare(tile0);
        }
    }

    __device__ __forceinline__ float adjust(float logit, int j) const {
        const int offset = tileKey + j - myRow;
        if (myRow < 0 || offset > window || offset < -window) {
            return -INFINITY;
        }
        if constexpr (UNION) {
            return counts.adjust(logit, j);
        } else {
            return logit;
        }
    }
};

// The body of smyrf_window_attention; UNION: qCluster / kCluster are given.
template <bool UNION>
static __device__ __forceinline__ void smyrf_window_attention_body(float* smem, int* queryIndex, int* keyIndex,
        const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, const int* __restrict__ qCluster, const int* __restrict__ kCluster,
        int B, int H, int Nq, int Nk, int d, int dv, int window, float scale, float* __restrict__ roundOut,
        float* __restrict__ roundLse) {
    constexpr int THREADS = SMYRF_ATTN_THREADS;
    const SmyrfTileSmem s = smyrf_tile_smem(smem, THREADS, d);
    const int b = blockIdx.y;
    const int query0 = blockIdx.x * THREADS;
    const int count = Nq - query0 < THREADS ? Nq - query0 : THREADS;
    // |i - j| < Nk for any two positions, so a wider window sees the same keys (and the sums
    // below stay far from int overflow).
    const int w = window < Nk ? window : Nk;
    // The keys some query of the block may see, clipped to the row.
    const int firstKey = query0 - w > 0 ? query0 - w : 0;
    const int lastKey = query0 + count - 1 + w < Nk - 1 ? query0 + count - 1 + w : Nk - 1;
    const int keyCount = lastKey >= firstKey ? lastKey - firstKey + 1 : 0;
    const float* qRows = q + (size_t)b * Nq * d;
    const float* kRows = k + (size_t)b * Nk * d;
    const float* vRows = v + (size_t)b * Nk * dv;
    const smyrf_u8* validRow = keyValid != nullptr ? keyValid + (size_t)b * Nk : nullptr;
    // Round slot H: after the H hash rounds.
    const size_t segment = (size_t)H * B + b;
    float* outRows = roundOut + segment * Nq * dv;
    float* lseRow = roundLse + segment * Nq;

    auto keyRowOf = [&](int p) {
        const int j = firstKey + p;
        return (validRow == nullptr || validRow[j] != 0) ? j : -1;
    };

    SmyrfWindowLogits<THREADS, UNION> logits;
    logits.firstKey = firstKey;
    logits.tileKey = firstKey;
    logits.window = w;
    int* myIds = nullptr;
    if constexpr (UNION) {
        myIds = smyrf_union_setup<THREADS>(logits.counts, s, kCluster, b, B, Nk, H, Nk);
        logits.counts.logCount += 1;  // log(n + 1): the window is one more key set
    }

    const int myRow = smyrf_load_queries<THREADS>(s, queryIndex, qRows, d, count, [&](int i) { return query0 + i; });
    logits.myRow = myRow;
    if constexpr (UNION) {
        smyrf_load_query_ids(myIds, qCluster, b, B, Nq, H, myRow);
    }
    smyrf_attend_pass<THREADS>(s, keyIndex, kRows, vRows, d, dv, keyCount, scale, keyRowOf, logits, myRow, outRows,
            lseRow);
}

extern "C" __global__ void __launch_bounds__(SMYRF_ATTN_THREADS, SMYRF_EXT_MIN_BLOCKS)
smyrf_window_attention(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
        const smyrf_u8* __restrict__ keyValid, const int* __restrict__ qCluster, const int* __restrict__ kCluster,
        int B, int H, int Nq, int Nk, int d, int dv, int window, float scale, float* __restrict__ roundOut,
        float* __restrict__ roundLse) {
    __shared__ int queryIndex[SMYRF_ATTN_THREADS];
    __shared__ int keyIndex[SMYRF_ATTN_KEY_TILE];
    SMYRF_DYNAMIC_SHARED(float, smem);
    if (kCluster != nullptr) {
        smyrf_window_attention_body<true>(smem, queryIndex, keyIndex, q, k, v, keyValid, qCluster, kCluster, B, H,
                Nq, Nk, d, dv, window, scale, roundOut, roundLse);
    } else {
        smyrf_window_attention_body<false>(smem, queryIndex, keyIndex, q, k, v, keyValid, nullptr, nullptr, B, H,
                Nq, Nk, d, dv, window, scale, roundOut, roundLse);
    }
}
