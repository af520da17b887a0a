// attention_tile.cuh: the flash-style tile loop shared by attention.cu (one cluster of queries
// against one cluster of keys) and dense.cu (a block of queries against every key).
//
// A block of THREADS threads takes up to THREADS queries at a time (a "pass"); thread t owns
// query t of the pass. For each chunk of DV_CHUNK value columns the block walks the keys in
// tiles of KEY_TILE: it stages the tile's key rows and value columns in shared memory, each
// thread computes its KEY_TILE logits in registers, then folds the tile into its running
// softmax (online softmax: max m, sum l, accumulator acc[DV_CHUNK], rescaled once per tile).
// Keys and queries are gathered through index functions, so no sorted copies exist.
//
// Dynamic shared memory (floats), SMYRF_TILE_SHARED_BYTES(THREADS, d) bytes in all:
//   queries [THREADS][d|1]    the pass's query rows; the odd stride puts the rows a warp reads
//                             at one column in 32 different banks
//   keys    [KEY_TILE][d]     every thread reads the same word at a time (a broadcast); with
//                             d % 4 == 0 as float4 (the region starts 16-byte aligned, since
//                             THREADS * (d|1) * 4 is a multiple of 16)
//   values  [KEY_TILE][DV_CHUNK]  read as float4 (DV_CHUNK % 4 == 0, 16-byte aligned too)
// Static shared memory: the row index of each query of the pass and each key of the tile
// (-1 = none: a placeholder, a masked key or past the end), (THREADS + KEY_TILE) ints.
//
// The logits pass through a policy object (the `logits` argument of smyrf_attend_keys):
// SmyrfPlainLogits leaves scale * (q . k) as it is (plain SMYRF and dense attention; it adds no
// instruction), SmyrfUnionLogits (attention.cu) subtracts log n_ij for the union softmax of SPEC
// Extensions, SmyrfWindowLogits (attention.cu) gives -inf to the keys outside a query's local
// window. A policy may return -inf for some threads only: see the tile loop below.
#ifndef SMYRF_ATTENTION_TILE_CUH
#define SMYRF_ATTENTION_TILE_CUH

#include "smyrf_device.cuh"

#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif

// Where a block's pieces of dynamic shared memory start.
struct SmyrfTileSmem {
    float* queries;  // [threads][queryStride]
    float* keys;     // [KEY_TILE][d]
    float* values;   // [KEY_TILE][DV_CHUNK]
    int queryStride;
};

static __device__ __forceinline__ SmyrfTileSmem smyrf_tile_smem(float* base, int threads, int d) {
    SmyrfTileSmem s;
    s.queryStride = d | 1;
    s.queries = base;
    s.keys = base + threads * s.queryStride;
    s.values = s.keys + SMYRF_ATTN_KEY_TILE * d;
    return s;
}

// Running softmax state of one query over one chunk of value columns.
struct SmyrfSoftmaxState {
    float m;  // max logit so far (-inf: no valid key yet)
    float l;  // sum of exp(logit - m)
    float acc[SMYRF_ATTN_DV_CHUNK];  // sum of exp(logit - m) * v[col0 + c]
};

// The logit policy of plain attention: scale * (q . k) unchanged. Each hook is empty, so the
// tile loop compiles to exactly the code it had before policies existed.
struct SmyrfPlainLogits {
    // Called by every thread once the tile's key indices are visible, before the barrier that
    // precedes the logits: a policy stages what it needs of the tile into shared memory here.
    __device__ __forceinline__ void stage(const int* keyIndex, int tile0) {}
    // Called by every thread after its logits of the tile are computed, before they are used.
    __device__ __forceinline__ void prepare(int tile0) {}
    // The logit of key j of the tile (a valid key), given scale * (q . k).
    __device__ __forceinline__ float adjust(float logit, int j) const { return logit; }
};

// Stages the pass's query rows: row i of the pass is qRows[rowOf(i) * d ...], or zeros when
// rowOf(i) < 0 or i >= count. Returns this thread's row index (-1: no query).
template <int THREADS, class RowOf>
static __device__ __forceinline__ int smyrf_load_queries(const SmyrfTileSmem& s, int* rowIndex,
        const float* __restrict__ qRows, int d, int count, RowOf rowOf) {
    const int t = threadIdx.x;
    __syncthreads();  // the previous pass is done with the query rows and the row indices
    rowIndex[t] = t < count ? rowOf(t) : -1;
    __syncthreads();
    for (int e = t; e < THREADS * d; e += THREADS) {
        int i = e / d;
        int c = e - i * d;
        int row = rowIndex[i];
        s.queries[i * s.queryStride + c] = row >= 0 ? qRows[(size_t)row * d + c] : 0.0f;
    }
    return rowIndex[t];
}

// Folds keys [0, keyCount) into `st` for value columns [col0, col0 + DV_CHUNK): key position
// p is row keyRowOf(p) of kRows/vRows, or masked when keyRowOf(p) < 0. Logits are
// scale * (q . k), the dot product accumulated with fma over c ascending.
// `logits` (SmyrfPlainLogits, SmyrfUnionLogits or SmyrfWindowLogits) may adjust each valid
// key's logit; SmyrfWindowLogits gives -inf per thread, which the loop allows (see below).
template <int THREADS, class KeyRowOf, class Logits>
static __device__ __forceinline__ void smyrf_attend_keys(const SmyrfTileSmem& s, int* keyIndex,
        const float* __restrict__ kRows, const float* __restrict__ vRows, int d, int dv, int col0, int keyCount,
        float scale, KeyRowOf keyRowOf, Logits& logits, SmyrfSoftmaxState& st) {
    constexpr int TILE = SMYRF_ATTN_KEY_TILE;
    constexpr int CHUNK = SMYRF_ATTN_DV_CHUNK;
    static_assert(THREADS >= TILE, "one thread per key of the tile fills the key indices");
    static_assert(CHUNK % 4 == 0 && (THREADS * 4) % 16 == 0, "value rows and the key tile are read as float4");
    const int t = threadIdx.x;
    const float* myQuery = s.queries + t * s.queryStride;

    st.m = -INFINITY;
    st.l = 0.0f;
#pragma unroll
    for (int c = 0; c < CHUNK; c++) {
        st.acc[c] = 0.0f;
    }

    for (int tile0 = 0; tile0 < keyCount; tile0 += TILE) {
        __syncthreads();  // everyone is done with the previous tile
        if (t < TILE) {
            keyIndex[t] = tile0 + t < keyCount ? keyRowOf(tile0 + t) : -1;
        }
        __syncthreads();
        for (int e = t; e < TILE * d; e += THREADS) {
            int j = e / d;
            int c = e - j * d;
            int row = keyIndex[j];
            s.keys[e] = row >= 0 ? kRows[(size_t)row * d + c] : 0.0f;
        }
        for (int e = t; e < TILE * CHUNK; e += THREADS) {
            int j = e / CHUNK;
            int col = col0 + (e - j * CHUNK);
            int row = keyIndex[j];
            s.values[e] = (row >= 0 && col < dv) ? vRows[(size_t)row * dv + col] : 0.0f;
        }
        logits.stage(keyIndex, tile0);
        __syncthreads();

        float logit[TILE];
#pragma unroll
        for (int j = 0; j < TILE; j++) {
            logit[j] = 0.0f;
        }
        if ((d & 3) == 0) {
            // Key rows are 16-byte aligned: one 16-byte broadcast read feeds four fma per key
            // (the scalar loop below spends one shared-memory read per fma).
            for (int c = 0; c < d; c += 4) {
                const float q0 = myQuery[c], q1 = myQuery[c + 1], q2 = myQuery[c + 2], q3 = myQuery[c + 3];
#pragma unroll
                for (int j = 0; j < TILE; j++) {
                    const float4 kv = *reinterpret_cast<const float4*>(s.keys + j * d + c);
                    logit[j] = fmaf(q0, kv.x, logit[j]);
                    logit[j] = fmaf(q1, kv.y, logit[j]);
                    logit[j] = fmaf(q2, kv.z, logit[j]);
                    logit[j] = fmaf(q3, kv.w, logit[j]);
                }
            }
        } else {
            for (int c = 0; c < d; c++) {
                const float qc = myQuery[c];
#pragma unroll
                for (int j = 0; j < TILE; j++) {
                    logit[j] = fmaf(qc, s.keys[j * d + c], logit[j]);
                }
            }
        }
        logits.prepare(tile0);
        float tileMax = -INFINITY;
#pragma unroll
        for (int j = 0; j < TILE; j++) {
            logit[j] = keyIndex[j] >= 0 ? logits.adjust(logit[j] * scale, j) : -INFINITY;
            tileMax = fmaxf(tileMax, logit[j]);
        }
        // Every key of the tile masked: nothing to fold (and m - m would be NaN while m = -inf).
        // Masks are per key, so this is the same for every thread, except under a policy whose
        // adjust() gives -inf per query (the local window); that is safe too, since a thread
        // that skips a tile meets its other threads again at the next tile's first barrier, and
        // every thread walks the same tiles.
        if (tileMax == -INFINITY) {
            continue;
        }
        float mNew = fmaxf(st.m, tileMax);
        float rescale = expf(st.m - mNew);  // 0 while m = -inf
        st.l *= rescale;
#pragma unroll
        for (int c = 0; c < CHUNK; c++) {
            st.acc[c] *= rescale;
        }
#pragma unroll
        for (int j = 0; j < TILE; j++) {
            float p = expf(logit[j] - mNew);  // 0 for a masked key
            st.l += p;
            const float4* vrow = reinterpret_cast<const float4*>(s.values + j * CHUNK);
#pragma unroll
            for (int c = 0; c < CHUNK / 4; c++) {
                const float4 vv = vrow[c];
                st.acc[4 * c] = fmaf(p, vv.x, st.acc[4 * c]);
                st.acc[4 * c + 1] = fmaf(p, vv.y, st.acc[4 * c + 1]);
                st.acc[4 * c + 2] = fmaf(p, vv.z, st.acc[4 * c + 2]);
                st.acc[4 * c + 3] = fmaf(p, vv.w, st.acc[4 * c + 3]);
            }
        }
        st.m = mNew;
    }
}

// Writes o = acc / l for the chunk's columns that exist (0 when no key was valid).
static __device__ __forceinline__ void smyrf_store_chunk(const SmyrfSoftmaxState& st, float* __restrict__ outRow,
        int dv, int col0) {
    const bool any = st.l > 0.0f;
#pragma unroll
    for (int c = 0; c < SMYRF_ATTN_DV_CHUNK; c++) {
        if (col0 + c < dv) {
            outRow[col0 + c] = any ? st.acc[c] / st.l : 0.0f;
        }
    }
}

#endif
