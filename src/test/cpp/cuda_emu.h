// cuda_emu.h: a small CPU emulation of the CUDA execution model, so the kernel pack's .cu files
// compile unchanged with g++ -std=c++20 and run in `make test` on machines without a GPU.
//
//   g++ -std=c++20 -pthread -ffp-contract=off -fno-strict-aliasing -include src/test/cpp/cuda_emu.h -x c++ hash.cu
//
// (-fno-strict-aliasing: kernels read float arrays through float4, as CUDA code does.)
//
// Model (what the kernels may rely on, and nothing more):
// - The blocks of a grid run one after another (x fastest, then y, then z). A block's threads
//   are real std::threads from a pool of blockDim threads, made for the first launch with that
//   block shape and reused by every block of every later one, so races between the threads of
//   a block are real races here too.
// - __syncthreads is a std::barrier over the block; a thread that returns drops out of it (as
//   exited threads do on the GPU). Warps are consecutive groups of 32 linear thread ids; the
//   __shfl*_sync / __ballot_sync / __syncwarp family exchanges values through a per-warp slot
//   array between two warp barriers, so every thread of the warp must take part (full masks).
// - `__shared__` variables become function statics: one copy, which is block-wide storage
//   because blocks run one at a time. Dynamic shared memory is a per-block buffer filled with
//   0xFF bytes (a float NaN) so that reading a word nothing wrote shows up in the results; the
//   kernels declare it with SMYRF_DYNAMIC_SHARED(type, name).
// - CUDA_EMU_TRACE=1 in the environment prints each launch's geometry and time to stderr.
// - threadIdx, blockIdx, blockDim and gridDim are thread_local; launch geometry is checked
//   against the limits of a real GPU (1024 threads, grid y/z <= 65535, 227 KiB shared).
// - fmaf/expf/logf/sqrtf come from <cmath>; the __f*_rn intrinsics are the plain IEEE
//   operations (compile with -ffp-contract=off so g++ fuses nothing on its own); __expf/__logf
//   are the accurate functions.
#ifndef SMYRF_CUDA_EMU_H
#define SMYRF_CUDA_EMU_H

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#define SMYRF_CUDA_EMU 1

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

struct uint3 {
    unsigned x, y, z;
};

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

struct alignas(8) float2 {
    float x, y;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(16) int4 {
    int x, y, z, w;
};
inline float2 make_float2(float x, float y) { return float2{x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim{1, 1, 1};
inline thread_local dim3 gridDim{1, 1, 1};
constexpr int warpSize = 32;

namespace cuda_emu {

constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxGridYZ = 65535;
constexpr size_t kMaxSharedBytes = 227 * 1024;

/** One warp's meeting point: a barrier over its live threads and a slot per lane. */
struct Warp {
    explicit Warp(unsigned size) : sync(size) {}
    std::barrier<> sync;
    uint64_t slots[32] = {};
};

/** What the threads of the running block share. */
struct Block {
    Block(unsigned threads, size_t sharedBytes) : sync(threads), dynamicShared(sharedBytes + 128, 0xFF) {
        for (unsigned first = 0; first < threads; first += 32) {
            warps.push_back(std::make_unique<Warp>(threads - first < 32 ? threads - first : 32));
        }
    }
    std::barrier<> sync;
    std::vector<std::unique_ptr<Warp>> warps;
    std::vector<unsigned char> dynamicShared;
};

inline thread_local Block* current_block = nullptr;
inline thread_local unsigned linear_thread = 0;

inline void* dynamic_shared_base() {
    // 128-byte aligned: at least what any kernel declares (16 for most, 128 where wmma tiles
    // need 32-byte aligned starts).
    auto p = reinterpret_cast<uintptr_t>(current_block->dynamicShared.data());
    return reinterpret_cast<void*>((p + 127) & ~uintptr_t(127));
}

/**
 * blockDim threads that run every block of one launch: each waits for the next block's
 * generation number, runs the kernel body as its thread, then drops out of the block's
 * barriers and counts itself done.
 */
class BlockPool {
public:
    explicit BlockPool(dim3 block) : block_(block), threads_(block.x * block.y * block.z) {
        workers_.reserve(threads_);
        for (unsigned t = 0; t < threads_; t++) {
            workers_.emplace_back([this, t] { work(t); });
        }
    }

    ~BlockPool() {
        stop_ = true;
        generation_.fetch_add(1);
        generation_.notify_all();
        for (auto& w : workers_) {
            w.join();
        }
    }

    dim3 shape() const { return block_; }

    /** Runs `body` as every thread of the block at `index` and returns when all finished. */
    void run(uint3 index, dim3 grid, size_t sharedBytes, const std::function<void()>& body) {
        Block block(threads_, sharedBytes);
        block_ctx_ = &block;
        index_ = index;
        grid_ = grid;
        body_ = &body;
        remaining_.store(threads_);
        generation_.fetch_add(1);
        generation_.notify_all();
        for (unsigned left = remaining_.load(); left != 0; left = remaining_.load()) {
            remaining_.wait(left);
        }
    }

private:
    void work(unsigned t) {
        unsigned seen = 0;
        for (;;) {
            generation_.wait(seen);
            seen = generation_.load();
            if (stop_) {
                return;
            }
            threadIdx = uint3{t % block_.x, (t / block_.x) % block_.y, t / (block_.x * block_.y)};
            blockIdx = index_;
            blockDim = block_;
            gridDim = grid_;
            current_block = block_ctx_;
            linear_thread = t;
            (*body_)();
            current_block->sync.arrive_and_drop();
            current_block->warps[t / 32]->sync.arrive_and_drop();
            current_block = nullptr;
            if (remaining_.fetch_sub(1) == 1) {
                remaining_.notify_all();
            }
        }
    }

    const dim3 block_;
    const unsigned threads_;
    std::vector<std::thread> workers_;
    std::atomic<unsigned> generation_{0};  // 32 bits: waits are plain futex waits
    std::atomic<unsigned> remaining_{0};
    std::atomic<bool> stop_{false};
    Block* block_ctx_ = nullptr;
    uint3 index_{0, 0, 0};
    dim3 grid_{};
    const std::function<void()>* body_ = nullptr;
};

/**
 * The pool for a block shape, made on first use and kept for the process: starting 1024 threads
 * costs more than most emulated launches, and launches run one at a time anyway.
 */
inline BlockPool& pool_for(dim3 block) {
    static std::vector<std::unique_ptr<BlockPool>> pools;
    for (auto& p : pools) {
        if (p->shape().x == block.x && p->shape().y == block.y && p->shape().z == block.z) {
            return *p;
        }
    }
    pools.push_back(std::make_unique<BlockPool>(block));
    return *pools.back();
}

inline void check_geometry(const char* name, dim3 grid, dim3 block, size_t sharedBytes) {
    auto fail = [&](const std::string& why) {
        throw std::invalid_argument(std::string("launch of ") + name + ": " + why);
    };
    unsigned long long threads = 1ULL * block.x * block.y * block.z;
    if (threads == 0 || threads > kMaxThreadsPerBlock) {
        fail("block of " + std::to_string(threads) + " threads");
    }
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > kMaxGridYZ || grid.z > kMaxGridYZ) {
        fail("grid " + std::to_string(grid.x) + "x" + std::to_string(grid.y) + "x" + std::to_string(grid.z));
    }
    if (sharedBytes > kMaxSharedBytes) {
        fail(std::to_string(sharedBytes) + " bytes of dynamic shared memory");
    }
}

/** Runs a kernel over a grid, block after block; arguments convert to the kernel's types. */
template <class... Params, class... Args>
void launch(const char* name, dim3 grid, dim3 block, size_t sharedBytes, void (*kernel)(Params...),
        Args&&... args) {
    check_geometry(name, grid, block, sharedBytes);
    std::tuple<Params...> params(std::forward<Args>(args)...);
    std::function<void()> body = [&] { std::apply(kernel, params); };
    BlockPool& pool = pool_for(block);
    auto start = std::chrono::steady_clock::now();
    for (unsigned z = 0; z < grid.z; z++) {
        for (unsigned y = 0; y < grid.y; y++) {
            for (unsigned x = 0; x < grid.x; x++) {
                pool.run(uint3{x, y, z}, grid, sharedBytes, body);
            }
        }
    }
    if (std::getenv("CUDA_EMU_TRACE") != nullptr) {
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "cuda_emu: %-24s grid %ux%ux%u block %u shared %zu: %.1f ms\n", name, grid.x, grid.y,
                grid.z, block.x * block.y * block.z, sharedBytes, ms);
    }
}

inline Warp& my_warp() {
    return *current_block->warps[linear_thread / 32];
}

/** Lanes of the caller's warp that exist (a block's last warp may be partial). */
inline unsigned live_lanes() {
    unsigned first = linear_thread / 32 * 32;
    unsigned total = blockDim.x * blockDim.y * blockDim.z;
    return total - first < 32 ? total - first : 32;
}

/**
 * Every lane of the warp publishes `value`; between two warp barriers `read(slots, live)` looks
 * at what all lanes published. The second barrier keeps the slots until everyone has read.
 */
template <class T, class Read>
auto warp_exchange(T value, Read read) {
    static_assert(sizeof(T) <= 8, "shuffles move at most 8 bytes");
    Warp& w = my_warp();
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    w.slots[linear_thread % 32] = bits;
    w.sync.arrive_and_wait();
    auto result = read(w.slots, live_lanes());
    w.sync.arrive_and_wait();
    return result;
}

/** The value that lane `source(lane)` published; a lane outside the warp gives the caller's own. */
template <class T, class Source>
T warp_shuffle(T value, Source source) {
    return warp_exchange(value, [&](const uint64_t* slots, unsigned live) {
        int src = source(static_cast<int>(linear_thread % 32));
        T result = value;
        if (src >= 0 && static_cast<unsigned>(src) < live) {
            std::memcpy(&result, &slots[src], sizeof(T));
        }
        return result;
    });
}

}  // namespace cuda_emu

// ---- synchronization and warp intrinsics ---------------------------------------------------
inline void __syncthreads() { cuda_emu::current_block->sync.arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xFFFFFFFFu) { cuda_emu::my_warp().sync.arrive_and_wait(); }

template <class T>
T __shfl_sync(unsigned, T v, int srcLane, int width = warpSize) {
    return cuda_emu::warp_shuffle(v, [&](int lane) { return lane - lane % width + srcLane % width; });
}
template <class T>
T __shfl_xor_sync(unsigned, T v, int laneMask, int width = warpSize) {
    return cuda_emu::warp_shuffle(v, [&](int lane) {
        int src = lane ^ laneMask;
        return src / width == lane / width ? src : lane;
    });
}
template <class T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = warpSize) {
    return cuda_emu::warp_shuffle(v, [&](int lane) {
        int src = lane + static_cast<int>(delta);
        return src / width == lane / width ? src : lane;
    });
}
template <class T>
T __shfl_up_sync(unsigned, T v, unsigned delta, int width = warpSize) {
    return cuda_emu::warp_shuffle(v, [&](int lane) {
        int src = lane - static_cast<int>(delta);
        return src >= lane - lane % width ? src : lane;
    });
}
inline unsigned __ballot_sync(unsigned, int predicate) {
    return cuda_emu::warp_exchange(predicate ? 1u : 0u, [](const uint64_t* slots, unsigned live) {
        unsigned bits = 0;
        for (unsigned lane = 0; lane < live; lane++) {
            bits |= static_cast<unsigned>(slots[lane] & 1u) << lane;
        }
        return bits;
    });
}
inline int __any_sync(unsigned mask, int predicate) { return __ballot_sync(mask, predicate) != 0; }
inline int __all_sync(unsigned mask, int predicate) {
    unsigned live = cuda_emu::live_lanes();
    return __ballot_sync(mask, predicate) == (live == 32 ? 0xFFFFFFFFu : (1u << live) - 1);
}

// ---- arithmetic intrinsics ---------------------------------------------------------------------
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline float __expf(float a) { return std::exp(a); }
inline float __logf(float a) { return std::log(a); }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned atomicMax(unsigned* address, unsigned value) {
    std::atomic_ref<unsigned> target(*address);
    unsigned old = target.load();
    while (old < value && !target.compare_exchange_weak(old, value)) {
    }
    return old;
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
template <class T>
inline T __ldg(const T* p) { return *p; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }

// ---- warp matrix operations (nvcuda::wmma), TF32 m16n16k8 only ----------------------------------
// What attention_tc.cu uses, with the rules of the CUDA C++ Programming Guide checked at run time
// so that a kernel that breaks them fails here rather than only on a GPU:
// - every lane of the warp takes part in each call (a warp barrier inside each one), with the
//   same tile pointer and ldm;
// - tile pointers are 256-bit (32-byte) aligned and ldm is a multiple of 16 bytes (4 floats);
// - matrix_a / matrix_b elements hold TF32 values (low 13 mantissa bits zero, i.e. converted
//   with __float_to_tf32) when they reach mma_sync.
// The element-to-lane mapping of a real fragment is unspecified, so a kernel may only apply the
// same operation to every element; here each lane simply holds the whole tile (num_elements is
// M*K, K*N or M*N rather than the GPU's 4 or 8), computes mma_sync on its own copy, and lane 0
// alone stores, so results become visible to the other lanes only after a __syncwarp, as on
// the GPU; loads read before their warp barrier, so a missing __syncwarp between plain stores
// and a load is a data race that ThreadSanitizer reports (`make emu-tsan`). mma_sync accumulates with fma in k order, rounding to nearest: more
// accurate than tensor cores, which may truncate, so the emulation cannot judge their rounding.
// It cannot see the real dynamic shared memory base either (its own is 128-byte aligned).
namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K>
struct tile_shape;
template <int M, int N, int K>
struct tile_shape<matrix_a, M, N, K> {
    static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct tile_shape<matrix_b, M, N, K> {
    static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct tile_shape<accumulator, M, N, K> {
    static constexpr int rows = M, cols = N;
};

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static_assert(M == 16 && N == 16 && K == 8, "the emulation has the TF32 shape m16n16k8 only");
    static constexpr int rows = tile_shape<Use, M, N, K>::rows;
    static constexpr int cols = tile_shape<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    float x[num_elements];  // row-major over the logical tile, in every lane
};

[[noreturn]] inline void misuse(const char* what) {
    std::fprintf(stderr, "cuda_emu: wmma misuse: %s\n", what);
    std::abort();
}

inline void check_tile(const void* p, unsigned ldm, const char* call) {
    if ((reinterpret_cast<uintptr_t>(p) & 31) != 0) misuse(call);
    if (ldm % 4 != 0) misuse(call);
}

inline float __float_to_tf32(float f) {
    // cvt.rna.tf32.f32: round to nearest, ties away from zero, into the top 19 bits.
    unsigned bits;
    std::memcpy(&bits, &f, 4);
    if ((bits & 0x7F800000u) != 0x7F800000u) {
        bits = (bits + 0x1000u) & 0xFFFFE000u;
    }
    std::memcpy(&f, &bits, 4);
    return f;
}

template <class Use, int M, int N, int K, class T, class Layout>
inline void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, float value) {
    for (int e = 0; e < f.num_elements; e++) f.x[e] = value;
}

// Every lane must pass the same tile pointer and ldm (the Programming Guide's rule): the warp
// compares them, which is also the warp barrier that checks that every lane takes part.
inline void require_uniform(const void* p, unsigned ldm, const char* call) {
    const uint64_t mine = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)) ^ (static_cast<uint64_t>(ldm) << 48);
    const bool same = cuda_emu::warp_exchange(mine, [&](const uint64_t* slots, unsigned live) {
        for (unsigned lane = 0; lane < live; lane++) {
            if (slots[lane] != mine) return false;
        }
        return true;
    });
    if (!same) misuse(call);
}

template <class Frag>
inline void load_tile(Frag& f, const float* p, unsigned ldm, bool rowMajor, const char* call) {
    check_tile(p, ldm, call);
    // Read first, meet the warp after: a load implies no barrier for the lanes' earlier plain
    // stores, so a kernel that omits the __syncwarp between writing a tile and loading it reads
    // stale values here too.
    for (int r = 0; r < Frag::rows; r++) {
        for (int c = 0; c < Frag::cols; c++) {
            f.x[r * Frag::cols + c] = rowMajor ? p[size_t(r) * ldm + c] : p[size_t(c) * ldm + r];
        }
    }
    require_uniform(p, ldm, "load_matrix_sync: lanes passed different pointers or ldm");
}

template <class Use, int M, int N, int K, class Layout>
inline void load_matrix_sync(fragment<Use, M, N, K, precision::tf32, Layout>& f, const float* p, unsigned ldm) {
    load_tile(f, p, ldm, std::is_same_v<Layout, row_major>, "load_matrix_sync: tile start or ldm");
}

template <int M, int N, int K>
inline void load_matrix_sync(fragment<accumulator, M, N, K, float>& f, const float* p, unsigned ldm, layout_t layout) {
    load_tile(f, p, ldm, layout == mem_row_major, "load_matrix_sync (accumulator): tile start or ldm");
}

template <int M, int N, int K>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t layout) {
    check_tile(p, ldm, "store_matrix_sync: tile start or ldm");
    require_uniform(p, ldm, "store_matrix_sync: lanes passed different pointers or ldm");
    if (cuda_emu::linear_thread % 32 == 0) {
        for (int r = 0; r < M; r++) {
            for (int c = 0; c < N; c++) {
                float value = f.x[r * N + c];
                if (layout == mem_row_major) p[size_t(r) * ldm + c] = value;
                else p[size_t(c) * ldm + r] = value;
            }
        }
    }
}

inline bool is_tf32(float f) {
    unsigned bits;
    std::memcpy(&bits, &f, 4);
    return (bits & 0x1FFFu) == 0 || (bits & 0x7F800000u) == 0x7F800000u;
}

template <int M, int N, int K, class LayoutA, class LayoutB>
inline void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, precision::tf32, LayoutA>& a,
        const fragment<matrix_b, M, N, K, precision::tf32, LayoutB>& b, const fragment<accumulator, M, N, K, float>& c) {
    __syncwarp();
    for (int e = 0; e < a.num_elements; e++) {
        if (!is_tf32(a.x[e])) misuse("mma_sync: a matrix_a element is not TF32 (convert it with __float_to_tf32)");
    }
    for (int e = 0; e < b.num_elements; e++) {
        if (!is_tf32(b.x[e])) misuse("mma_sync: a matrix_b element is not TF32 (convert it with __float_to_tf32)");
    }
    float result[M * N];
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float acc = c.x[i * N + j];
            for (int kk = 0; kk < K; kk++) acc = std::fma(a.x[i * K + kk], b.x[kk * N + j], acc);
            result[i * N + j] = acc;
        }
    }
    std::memcpy(d.x, result, sizeof(result));
}

}  // namespace wmma
}  // namespace nvcuda

// Dynamic shared memory: `extern __shared__` cannot become a static, so kernels declare it
// through this macro, which the CUDA side defines as the usual extern array.
#define SMYRF_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(cuda_emu::dynamic_shared_base())

#endif
