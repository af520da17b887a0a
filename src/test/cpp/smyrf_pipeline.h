// smyrf_pipeline.h: one SMYRF call through the kernel pack, in the launch sequence and
// geometry of docs/kernels.md (what the Java engine does), keeping every stage.
// Built two ways from the same source: with the CPU emulation (g++ -include cuda_emu.h, the
// device is host memory) or by nvcc against the CUDA runtime (a real GPU).
#ifndef SMYRF_PIPELINE_H
#define SMYRF_PIPELINE_H

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "smyrf_kernels.h"

namespace smyrf {

/** Inputs and sizes of one call (docs/kernels.md conventions). */
struct Case {
    int B = 1, Nq = 1, Nk = 1, d = 1, dv = 1, H = 1, Cq = 1, Ck = 1, L = 1;
    float scale = 1.0f;
    bool hasMask = false;
    std::vector<float> q, k, v;  // (B, Nq, d), (B, Nk, d), (B, Nk, dv)
    std::vector<float> alpha;    // (d+2, H)
    std::vector<uint8_t> mask;   // (B, Nk) when hasMask
    // SPEC Extensions (docs/kernels.md): global keys resolved per batch row, (B, G) ascending
    // and -1 padded (G = 0: none; resolve_global_keys makes them from positions), and the
    // union softmax across rounds. The local window w (0: off; docs/kernels.md "Local window"):
    // one more round after the hash rounds, self-attention only.
    int G = 0;
    std::vector<int> globalKeys;
    bool unionRounds = false;
    int window = 0;
    // Plain hash rounds on tensor cores (attention_tc.cu) instead of the CUDA-core kernel.
    bool tensorCores = false;

    int paddedQueryLen() const { return L * Cq; }

    /** Rounds the combine mixes: the H hash rounds, and the window's when it is on. */
    int rounds() const { return H + (window > 0 ? 1 : 0); }

    bool keyValid(int b, int j) const { return !hasMask || mask[size_t(b) * Nk + j] != 0; }

    bool isGlobal(int b, int j) const {
        for (int g = 0; g < G; g++) {
            if (globalKeys[size_t(b) * G + g] == j) return true;
        }
        return false;
    }

    /** The keys' sort mask (B, Nk): valid and not global, the mask the extension kernels take. */
    std::vector<uint8_t> keySortValid() const {
        std::vector<uint8_t> m(size_t(B) * Nk);
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < Nk; j++) m[size_t(b) * Nk + j] = keyValid(b, j) && !isGlobal(b, j) ? 1 : 0;
        }
        return m;
    }
    int paddedKeyLen() const { return L * Ck; }

    /** Refuses sizes the kernels do not take, naming the argument and its value. */
    void validate() const {
        auto require = [](bool ok, const std::string& what) {
            if (!ok) throw std::invalid_argument(what);
        };
        require(B > 0 && Nq > 0 && Nk > 0 && d > 0 && dv > 0 && H > 0 && Cq > 0 && Ck > 0 && L > 0,
                "every size must be > 0");
        require(L * Cq >= Nq && (L - 1) * Cq < Nq, "L*Cq must be the padded query length: L=" + std::to_string(L));
        require(L * Ck >= Nk && (L - 1) * Ck < Nk, "L*Ck must be the padded key length: L=" + std::to_string(L));
        require(q.size() == size_t(B) * Nq * d, "q holds " + std::to_string(q.size()) + " values");
        require(k.size() == size_t(B) * Nk * d, "k holds " + std::to_string(k.size()) + " values");
        require(v.size() == size_t(B) * Nk * dv, "v holds " + std::to_string(v.size()) + " values");
        require(alpha.size() == size_t(d + 2) * H, "alpha holds " + std::to_string(alpha.size()) + " values");
        require(!hasMask || mask.size() == size_t(B) * Nk, "mask holds " + std::to_string(mask.size()) + " values");
        require(G >= 0 && globalKeys.size() == size_t(B) * G, "globalKeys holds " + std::to_string(globalKeys.size())
                + " values, G=" + std::to_string(G));
        for (int e : globalKeys) require(e >= -1 && e < Nk, "globalKeys entry " + std::to_string(e));
        require(window >= 0, "window must be >= 0, got " + std::to_string(window));
        require(window == 0 || Nq == Nk, "window needs self-attention (Nq == Nk), got Nq=" + std::to_string(Nq)
                + ", Nk=" + std::to_string(Nk));
    }
};

/**
 * SPEC Extensions' global keys of every row from configured positions, by the rules the Java
 * launcher applies (org.smyrf4j.cuda.GlobalKeyTable): p >= 0 is key p, p < 0 counts back from
 * the row's last valid key; a masked or repeated key counts once or not at all; a row without
 * a valid key has none. Sets c.G (the most keys of any row) and c.globalKeys.
 */
inline void resolve_global_keys(Case& c, const std::vector<int>& positions) {
    std::vector<std::vector<int>> rows(c.B);
    int most = 0;
    for (int b = 0; b < c.B; b++) {
        int last = -1;
        for (int j = c.Nk - 1; j >= 0 && last < 0; j--) {
            if (c.keyValid(b, j)) last = j;
        }
        if (last < 0) continue;
        for (int p : positions) {
            int j = p >= 0 ? p : last + 1 + p;
            if (j < 0 || j >= c.Nk) throw std::invalid_argument("global key position " + std::to_string(p) + " is outside row " + std::to_string(b));
            bool seen = false;
            for (int e : rows[b]) seen = seen || e == j;
            if (c.keyValid(b, j) && !seen) rows[b].push_back(j);
        }
        std::sort(rows[b].begin(), rows[b].end());
        most = std::max(most, int(rows[b].size()));
    }
    c.G = most;
    c.globalKeys.assign(size_t(c.B) * most, -1);
    for (int b = 0; b < c.B; b++) std::copy(rows[b].begin(), rows[b].end(), c.globalKeys.begin() + size_t(b) * most);
}

/** Every stage of one call, in SmyrfTrace's layouts, plus dense attention. */
struct Stages {
    std::vector<float> queryHashes, keyHashes;  // (H, B, Nq), (H, B, Nk)
    std::vector<int> queryOrder, keyOrder;      // (H, B, Nq'), (H, B, Nk')
    std::vector<float> roundOut, roundLse;      // (R, B, Nq, dv), (R, B, Nq), R = Case::rounds()
    std::vector<float> out;                     // (B, Nq, dv)
    std::vector<float> dense;                   // (B, Nq, dv)
};

inline int next_pow2(int n) {
    int p = 1;
    while (p < n) p <<= 1;
    return p;
}

inline unsigned blocks_for(long long items, int threads) {
    return static_cast<unsigned>((items + threads - 1) / threads);
}

#ifdef SMYRF_CUDA_EMU

#define SMYRF_LAUNCH(kernel, grid, block, shared, ...) \
    cuda_emu::launch(#kernel, grid, block, shared, kernel, __VA_ARGS__)

template <class Kernel>
inline void set_shared_limit(Kernel, size_t) {}
inline void synchronize() {}

/** "Device" memory of the emulation: host memory, poisoned with 0xFF bytes like a fresh buffer. */
template <class T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(size_t n) : data_(n) { std::memset(static_cast<void*>(data_.data()), 0xFF, n * sizeof(T)); }
    explicit DeviceBuffer(const std::vector<T>& host) : data_(host) {}
    T* get() { return data_.data(); }
    void zero() { std::memset(static_cast<void*>(data_.data()), 0, data_.size() * sizeof(T)); }
    std::vector<T> download() const { return data_; }
private:
    std::vector<T> data_;
};

#else

inline void cuda_check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
    }
}

#define SMYRF_LAUNCH(kernel, grid, block, shared, ...)              \
    do {                                                            \
        kernel<<<grid, block, shared>>>(__VA_ARGS__);               \
        smyrf::cuda_check(cudaGetLastError(), "launch of " #kernel); \
    } while (0)

inline void synchronize() { cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

/** Above 48 KiB a kernel's dynamic shared memory needs an explicit opt-in. */
template <class Kernel>
inline void set_shared_limit(Kernel kernel, size_t bytes) {
    cuda_check(cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel), cudaFuncAttributeMaxDynamicSharedMemorySize,
                       static_cast<int>(bytes)), "cudaFuncSetAttribute");
}

template <class T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(size_t n) : n_(n) {
        cuda_check(cudaMalloc(&ptr_, n * sizeof(T) + 1), "cudaMalloc");
        cuda_check(cudaMemset(ptr_, 0xFF, n * sizeof(T) + 1), "cudaMemset");  // poison
    }
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) {
        cuda_check(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
    }
    ~DeviceBuffer() { cudaFree(ptr_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    T* get() { return ptr_; }
    void zero() { cuda_check(cudaMemsetAsync(ptr_, 0, n_ * sizeof(T)), "cudaMemsetAsync"); }
    std::vector<T> download() const {
        std::vector<T> host(n_);
        cuda_check(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
        return host;
    }
private:
    T* ptr_ = nullptr;
    size_t n_;
};

#endif

/** Step 4's sort of `segments` segments of segLen keys (docs/kernels.md, launch sequence 3). */
inline void sort_segments(smyrf_u64* keys, int segments, int segLen) {
    const int total = segments * segLen;
    const int chunk = segLen < SMYRF_SORT_LOCAL ? segLen : SMYRF_SORT_LOCAL;
    SMYRF_LAUNCH(smyrf_sort_local, dim3(total / chunk), dim3(SMYRF_SORT_THREADS), 0, keys, segLen);
    for (int k = 2 * SMYRF_SORT_LOCAL; k <= segLen; k <<= 1) {
        for (int j = k / 2; j >= SMYRF_SORT_LOCAL; j >>= 1) {
            SMYRF_LAUNCH(smyrf_sort_global_step, dim3(blocks_for(total / 2, SMYRF_SORT_THREADS)),
                    dim3(SMYRF_SORT_THREADS), 0, keys, segLen, k, j, total);
        }
        SMYRF_LAUNCH(smyrf_sort_local_merge, dim3(total / SMYRF_SORT_LOCAL), dim3(SMYRF_SORT_THREADS), 0, keys,
                segLen, k);
    }
}

/** The device buffers of one call and its stages, launched in the order of docs/kernels.md. */
class Pipeline {
public:
    explicit Pipeline(const Case& c)
        : c_((c.validate(), c)), Nqp_(c.paddedQueryLen()), Nkp_(c.paddedKeyLen()), Sq_(next_pow2(Nqp_)),
          Sk_(next_pow2(Nkp_)), segments_(c.H * c.B), q_(c.q), k_(c.k), v_(c.v), alpha_(c.alpha),
          mask_(c.hasMask ? c.mask : std::vector<uint8_t>(1)), mq2_(c.B), mk2_(c.B),
          qHash_(size_t(segments_) * c.Nq), kHash_(size_t(segments_) * c.Nk), qKeys_(size_t(segments_) * Sq_),
          kKeys_(size_t(segments_) * Sk_), qOrder_(size_t(segments_) * Nqp_), kOrder_(size_t(segments_) * Nkp_),
          roundOut_(size_t(c.rounds()) * c.B * c.Nq * c.dv), roundLse_(size_t(c.rounds()) * c.B * c.Nq),
          out_(size_t(c.B) * c.Nq * c.dv), dense_(size_t(c.B) * c.Nq * c.dv),
          sortMask_(c.G > 0 ? c.keySortValid() : std::vector<uint8_t>(1)),
          globals_(c.G > 0 ? c.globalKeys : std::vector<int>(1)),
          qCluster_(c.unionRounds ? size_t(segments_) * c.Nq : 1), kCluster_(c.unionRounds ? size_t(segments_) * c.Nk : 1) {
        // Only for the kernels this case launches: a limit the card cannot grant is an error even
        // for a kernel that never runs (the tensor-core kernel's at d = 64 exceeds an sm_86's).
        set_shared_limit(smyrf_cluster_attention, SMYRF_TILE_SHARED_BYTES(SMYRF_ATTN_THREADS, c.d));
        set_shared_limit(smyrf_dense_attention, SMYRF_TILE_SHARED_BYTES(SMYRF_DENSE_THREADS, c.d));
        if (c.G > 0) set_shared_limit(smyrf_cluster_attention_global, SMYRF_TILE_SHARED_BYTES(SMYRF_ATTN_THREADS, c.d));
        if (c.unionRounds) set_shared_limit(smyrf_cluster_attention_union, unionSharedBytes());
        if (c.window > 0) {
            set_shared_limit(smyrf_window_attention, c.unionRounds ? unionSharedBytes() : tileSharedBytes());
        }
        if (c.tensorCores) set_shared_limit(smyrf_cluster_attention_tc, SMYRF_TC_SHARED_BYTES(c.d, c.dv));
    }

    /** 1. MQ2 and MK2 of every batch row: cleared, then an atomic max per block. */
    void norms() {
        mq2_.zero();
        mk2_.zero();
        SMYRF_LAUNCH(smyrf_max_sq_norms, dim3(blocks_for(c_.Nq, SMYRF_NORM_TOKENS), c_.B), dim3(SMYRF_HASH_THREADS), 0,
                q_.get(), c_.B, c_.Nq, c_.d, mq2_.get());
        SMYRF_LAUNCH(smyrf_max_sq_norms, dim3(blocks_for(c_.Nk, SMYRF_NORM_TOKENS), c_.B), dim3(SMYRF_HASH_THREADS), 0,
                k_.get(), c_.B, c_.Nk, c_.d, mk2_.get());
    }

    /** 2. Hash values and sort keys. */
    void hash() {
        SMYRF_LAUNCH(smyrf_hash_queries, dim3(blocks_for(Sq_, SMYRF_HASH_THREADS), c_.B),
                dim3(SMYRF_HASH_THREADS), 0, q_.get(), mq2_.get(), mk2_.get(), alpha_.get(), keyValid(), c_.B, c_.Nq,
                c_.Nk, c_.d, c_.H, Nqp_, Sq_, qHash_.get(), qKeys_.get());
        // With global keys the keys sort with valid-and-not-global (SPEC Extensions); queries keep keyValid.
        SMYRF_LAUNCH(smyrf_hash_keys, dim3(blocks_for(Sk_, SMYRF_HASH_THREADS), c_.B), dim3(SMYRF_HASH_THREADS),
                0, k_.get(), mq2_.get(), mk2_.get(), alpha_.get(), keySortValid(), c_.B, c_.Nq, c_.Nk, c_.d, c_.H, Nkp_,
                Sk_, kHash_.get(), kKeys_.get());
    }

    /** 3. Both key arrays sorted. */
    void sort() {
        sort_segments(qKeys_.get(), segments_, Sq_);
        sort_segments(kKeys_.get(), segments_, Sk_);
    }

    /** 4. The orders, first Nq' / Nk' of each segment. */
    void orders() {
        SMYRF_LAUNCH(smyrf_extract_order, dim3(blocks_for((long long)segments_ * Nqp_, 256)), dim3(256), 0,
                qKeys_.get(), Sq_, Nqp_, segments_, qOrder_.get());
        SMYRF_LAUNCH(smyrf_extract_order, dim3(blocks_for((long long)segments_ * Nkp_, 256)), dim3(256), 0,
                kKeys_.get(), Sk_, Nkp_, segments_, kOrder_.get());
    }

    /**
     * 5a. Attention inside every cluster of every round (with the extensions' kernel when asked),
     * then the local window's round into slot H.
     */
    void attention() {
        hashRounds();
        if (c_.window > 0) {
            SMYRF_LAUNCH(smyrf_window_attention, dim3(blocks_for(c_.Nq, SMYRF_ATTN_THREADS), c_.B),
                    dim3(SMYRF_ATTN_THREADS), c_.unionRounds ? unionSharedBytes() : tileSharedBytes(), q_.get(),
                    k_.get(), v_.get(), keySortValid(), c_.unionRounds ? qCluster_.get() : nullptr,
                    c_.unionRounds ? kCluster_.get() : nullptr, c_.B, c_.H, c_.Nq, c_.Nk, c_.d, c_.dv, c_.window,
                    c_.scale, roundOut_.get(), roundLse_.get());
        }
    }

    /**
     * The H hash rounds: cluster ids first for the union softmax; the plain rounds on tensor
     * cores when asked.
     */
    void hashRounds() {
        if (c_.unionRounds) {
            SMYRF_LAUNCH(smyrf_cluster_ids, dim3(blocks_for((long long)segments_ * Nqp_, 256)), dim3(256), 0,
                    qOrder_.get(), segments_, c_.Nq, Nqp_, c_.Cq, qCluster_.get());
            SMYRF_LAUNCH(smyrf_cluster_ids, dim3(blocks_for((long long)segments_ * Nkp_, 256)), dim3(256), 0,
                    kOrder_.get(), segments_, c_.Nk, Nkp_, c_.Ck, kCluster_.get());
            SMYRF_LAUNCH(smyrf_cluster_attention_union, dim3(c_.L, c_.B, c_.H), dim3(SMYRF_ATTN_THREADS),
                    unionSharedBytes(), q_.get(), k_.get(), v_.get(), keySortValid(), qOrder_.get(), kOrder_.get(),
                    c_.G > 0 ? globals_.get() : nullptr, qCluster_.get(), kCluster_.get(), c_.B, c_.H, c_.Nq, c_.Nk,
                    c_.d, c_.dv, c_.Cq, c_.Ck, c_.L, c_.G, c_.window, c_.scale, roundOut_.get(), roundLse_.get());
            return;
        }
        if (c_.G > 0) {
            SMYRF_LAUNCH(smyrf_cluster_attention_global, dim3(c_.L, c_.B, c_.H), dim3(SMYRF_ATTN_THREADS),
                    SMYRF_TILE_SHARED_BYTES(SMYRF_ATTN_THREADS, c_.d), q_.get(), k_.get(), v_.get(), keySortValid(),
                    qOrder_.get(), kOrder_.get(), globals_.get(), c_.B, c_.H, c_.Nq, c_.Nk, c_.d, c_.dv, c_.Cq, c_.Ck,
                    c_.L, c_.G, c_.scale, roundOut_.get(), roundLse_.get());
            return;
        }
        if (c_.tensorCores) {
            SMYRF_LAUNCH(smyrf_cluster_attention_tc, dim3(c_.L, c_.B, c_.H), dim3(SMYRF_TC_THREADS),
                    SMYRF_TC_SHARED_BYTES(c_.d, c_.dv), q_.get(), k_.get(), v_.get(), keyValid(), qOrder_.get(),
                    kOrder_.get(), c_.B, c_.H, c_.Nq, c_.Nk, c_.d, c_.dv, c_.Cq, c_.Ck, c_.L, c_.scale,
                    roundOut_.get(), roundLse_.get());
            return;
        }
        SMYRF_LAUNCH(smyrf_cluster_attention, dim3(c_.L, c_.B, c_.H), dim3(SMYRF_ATTN_THREADS),
                SMYRF_TILE_SHARED_BYTES(SMYRF_ATTN_THREADS, c_.d), q_.get(), k_.get(), v_.get(), keyValid(),
                qOrder_.get(), kOrder_.get(), c_.B, c_.H, c_.Nq, c_.Nk, c_.d, c_.dv, c_.Cq, c_.Ck, c_.L, c_.scale,
                roundOut_.get(), roundLse_.get());
    }

    /** 5b. The rounds combined. */
    void combine() {
        SMYRF_LAUNCH(smyrf_combine, dim3(blocks_for((long long)c_.B * c_.Nq, SMYRF_COMBINE_THREADS)),
                dim3(SMYRF_COMBINE_THREADS), 0, roundOut_.get(), roundLse_.get(), c_.rounds(), c_.B * c_.Nq, c_.dv,
                out_.get());
    }

    /** Exact dense attention, for comparison. */
    void dense() {
        SMYRF_LAUNCH(smyrf_dense_attention, dim3(blocks_for(c_.Nq, SMYRF_DENSE_THREADS), c_.B),
                dim3(SMYRF_DENSE_THREADS), SMYRF_TILE_SHARED_BYTES(SMYRF_DENSE_THREADS, c_.d), q_.get(), k_.get(),
                v_.get(), keyValid(), c_.B, c_.Nq, c_.Nk, c_.d, c_.dv, c_.scale, dense_.get());
    }

    /** Every stage's result, copied back after the device finished. */
    Stages download(bool withDense) {
        synchronize();
        Stages s;
        s.queryHashes = qHash_.download();
        s.keyHashes = kHash_.download();
        s.queryOrder = qOrder_.download();
        s.keyOrder = kOrder_.download();
        s.roundOut = roundOut_.download();
        s.roundLse = roundLse_.download();
        s.out = out_.download();
        if (withDense) {
            s.dense = dense_.download();
        }
        return s;
    }

private:
    const uint8_t* keyValid() { return c_.hasMask ? mask_.get() : nullptr; }
    const uint8_t* keySortValid() { return c_.G > 0 ? sortMask_.get() : keyValid(); }
    size_t tileSharedBytes() const { return SMYRF_TILE_SHARED_BYTES(SMYRF_ATTN_THREADS, c_.d); }
    size_t unionSharedBytes() const { return tileSharedBytes() + SMYRF_UNION_SHARED_BYTES(SMYRF_ATTN_THREADS, c_.H); }

    const Case& c_;
    const int Nqp_, Nkp_, Sq_, Sk_, segments_;
    DeviceBuffer<float> q_, k_, v_, alpha_;
    DeviceBuffer<uint8_t> mask_;
    DeviceBuffer<float> mq2_, mk2_, qHash_, kHash_;
    DeviceBuffer<smyrf_u64> qKeys_, kKeys_;
    DeviceBuffer<int> qOrder_, kOrder_;
    DeviceBuffer<float> roundOut_, roundLse_, out_, dense_;
    DeviceBuffer<uint8_t> sortMask_;
    DeviceBuffer<int> globals_, qCluster_, kCluster_;
};

/** Runs one call, every stage in order; `withDense` adds dense attention. */
inline Stages run(const Case& c, bool withDense = true) {
    Pipeline p(c);
    p.norms();
    p.hash();
    p.sort();
    p.orders();
    p.attention();
    p.combine();
    if (withDense) {
        p.dense();
    }
    return p.download(withDense);
}

}  // namespace smyrf

#endif
