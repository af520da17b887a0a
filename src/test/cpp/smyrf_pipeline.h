// smyrf_pipeline.h: one SMYRF call through the kernel pack, in the launch sequence and
// geometry of docs/kernels.md (what the Java engine does), keeping every stage.
// Built two ways from the same source: with the CPU emulation (g++ -include cuda_emu.h, the
// device is host memory) or by nvcc against the CUDA runtime (a real GPU).
#ifndef SMYRF_PIPELINE_H
#define SMYRF_PIPELINE_H

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

    int paddedQueryLen() const { return L * Cq; }
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
    }
};

/** Every stage of one call, in SmyrfTrace's layouts, plus dense attention. */
struct Stages {
    std::vector<float> queryHashes, keyHashes;  // (H, B, Nq), (H, B, Nk)
    std::vector<int> queryOrder, keyOrder;      // (H, B, Nq'), (H, B, Nk')
    std::vector<float> roundOut, roundLse;      // (H, B, Nq, dv), (H, B, Nq)
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

/** Runs one call; `withDense` adds dense attention. */
inline Stages run(const Case& c, bool withDense = true) {
    c.validate();
    const int Nqp = c.paddedQueryLen(), Nkp = c.paddedKeyLen();
    const int Sq = next_pow2(Nqp), Sk = next_pow2(Nkp);
    const int segments = c.H * c.B;

    DeviceBuffer<float> q(c.q), k(c.k), v(c.v), alpha(c.alpha);
    DeviceBuffer<uint8_t> mask(c.hasMask ? c.mask : std::vector<uint8_t>(1));
    const uint8_t* keyValid = c.hasMask ? mask.get() : nullptr;
    DeviceBuffer<float> mq2(c.B), mk2(c.B);
    DeviceBuffer<float> qHash(size_t(segments) * c.Nq), kHash(size_t(segments) * c.Nk);
    DeviceBuffer<smyrf_u64> qKeys(size_t(segments) * Sq), kKeys(size_t(segments) * Sk);
    DeviceBuffer<int> qOrder(size_t(segments) * Nqp), kOrder(size_t(segments) * Nkp);
    DeviceBuffer<float> roundOut(size_t(segments) * c.Nq * c.dv), roundLse(size_t(segments) * c.Nq);
    DeviceBuffer<float> out(size_t(c.B) * c.Nq * c.dv), dense(size_t(c.B) * c.Nq * c.dv);

    // 1. norms
    SMYRF_LAUNCH(smyrf_max_sq_norms, dim3(c.B), dim3(SMYRF_HASH_THREADS), 0, q.get(), c.B, c.Nq, c.d, mq2.get());
    SMYRF_LAUNCH(smyrf_max_sq_norms, dim3(c.B), dim3(SMYRF_HASH_THREADS), 0, k.get(), c.B, c.Nk, c.d, mk2.get());
    // 2. hashes and sort keys
    SMYRF_LAUNCH(smyrf_hash_queries, dim3(blocks_for(Sq, SMYRF_HASH_THREADS), c.B, c.H), dim3(SMYRF_HASH_THREADS), 0,
            q.get(), mq2.get(), mk2.get(), alpha.get(), keyValid, c.B, c.Nq, c.Nk, c.d, c.H, Nqp, Sq, qHash.get(),
            qKeys.get());
    SMYRF_LAUNCH(smyrf_hash_keys, dim3(blocks_for(Sk, SMYRF_HASH_THREADS), c.B, c.H), dim3(SMYRF_HASH_THREADS), 0,
            k.get(), mq2.get(), mk2.get(), alpha.get(), keyValid, c.B, c.Nq, c.Nk, c.d, c.H, Nkp, Sk, kHash.get(),
            kKeys.get());
    // 3. sort
    sort_segments(qKeys.get(), segments, Sq);
    sort_segments(kKeys.get(), segments, Sk);
    // 4. orders
    SMYRF_LAUNCH(smyrf_extract_order, dim3(blocks_for((long long)segments * Nqp, 256)), dim3(256), 0, qKeys.get(), Sq,
            Nqp, segments, qOrder.get());
    SMYRF_LAUNCH(smyrf_extract_order, dim3(blocks_for((long long)segments * Nkp, 256)), dim3(256), 0, kKeys.get(), Sk,
            Nkp, segments, kOrder.get());
    // 5. attention inside the clusters, then the rounds combined
    const size_t attnShared = SMYRF_TILE_SHARED_BYTES(SMYRF_ATTN_THREADS, c.d);
    set_shared_limit(smyrf_cluster_attention, attnShared);
    SMYRF_LAUNCH(smyrf_cluster_attention, dim3(c.L, c.B, c.H), dim3(SMYRF_ATTN_THREADS), attnShared, q.get(), k.get(),
            v.get(), keyValid, qOrder.get(), kOrder.get(), c.B, c.H, c.Nq, c.Nk, c.d, c.dv, c.Cq, c.Ck, c.L, c.scale,
            roundOut.get(), roundLse.get());
    SMYRF_LAUNCH(smyrf_combine, dim3(blocks_for((long long)c.B * c.Nq, SMYRF_COMBINE_THREADS)),
            dim3(SMYRF_COMBINE_THREADS), 0, roundOut.get(), roundLse.get(), c.H, c.B * c.Nq, c.dv, out.get());
    if (withDense) {
        const size_t denseShared = SMYRF_TILE_SHARED_BYTES(SMYRF_DENSE_THREADS, c.d);
        set_shared_limit(smyrf_dense_attention, denseShared);
        SMYRF_LAUNCH(smyrf_dense_attention, dim3(blocks_for(c.Nq, SMYRF_DENSE_THREADS), c.B), dim3(SMYRF_DENSE_THREADS),
                denseShared, q.get(), k.get(), v.get(), keyValid, c.B, c.Nq, c.Nk, c.d, c.dv, c.scale, dense.get());
    }
    synchronize();

    Stages s;
    s.queryHashes = qHash.download();
    s.keyHashes = kHash.download();
    s.queryOrder = qOrder.download();
    s.keyOrder = kOrder.download();
    s.roundOut = roundOut.download();
    s.roundLse = roundLse.download();
    s.out = out.download();
    if (withDense) {
        s.dense = dense.download();
    }
    return s;
}

}  // namespace smyrf

#endif
