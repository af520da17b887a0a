// fake_libcuda.cpp: a stand-in libcuda.so.1 for machines without a GPU. It implements the part of
// the CUDA driver API that the Java engine calls (through JCuda's libJCudaDriver, which binds
// its other driver symbols lazily and so never needs them) and runs every kernel launch on the
// CPU emulation (cuda_emu.h) of the kernel pack's own .cu files. Built by `make fakecuda` into
// target/fakecuda/libcuda.so.1; with LD_LIBRARY_PATH pointing there, a JVM sees one device and
// the whole Java path runs for real: JCuda's argument marshalling, module loading from the
// pack's images, context push/pop, copies, fills and launches (scripts/fake-gpu-check.sh).
//
// It is strict where a real driver is strict or where a mistake would only show on a GPU:
// - every call that needs a context fails with CUDA_ERROR_INVALID_CONTEXT when none is current
//   on the calling thread (contexts are per thread, pushed and popped);
// - cuModuleLoadData takes a cubin (ELF) whose architecture the device runs (same major, minor
//   not above the device's) or NUL-terminated PTX whose .target the device runs; a function
//   must be named in the image;
// - a launch must use the entry point's block size, stay within the dynamic shared memory the
//   function allows (48 KiB minus its static shared memory until cuFuncSetAttribute raises it,
//   at most the opt-in limit), and pass for every pointer parameter the address of a live
//   allocation (or 0 where the kernel takes a null pointer);
// - copies and fills must stay inside one live allocation; frees must name one.
// Fresh allocations are filled with 0xFF bytes (NaN), as device memory holds garbage.
// Kernels run synchronously, so stream ordering is not tested here.
//
// Environment: FAKECUDA_CC (compute capability, default "9.0"), FAKECUDA_OPTIN (opt-in shared
// memory per block, default 232448 as on an H100), FAKECUDA_MEMORY (bytes, default 1 GiB),
// FAKECUDA_REPORT (a file that gets one line of counters when the process exits, for the
// check script), FAKECUDA_VERBOSE=1 (every call on stderr), FAKECUDA_WITHHOLD (an entry point
// cuModuleGetFunction reports missing, as a driver would for an image without it; counted as
// `withheld`, not as an error, so the strict checks stay meaningful).
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "smyrf_kernels.h"

namespace fakecuda {

// ---- driver API types and codes (cuda.h values) ---------------------------------------------
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
struct Context;
struct Module;
struct Function;
struct Stream;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NOT_INITIALIZED = 3;
constexpr CUresult CUDA_ERROR_INVALID_DEVICE = 101;
constexpr CUresult CUDA_ERROR_INVALID_IMAGE = 200;
constexpr CUresult CUDA_ERROR_INVALID_CONTEXT = 201;
constexpr CUresult CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
constexpr CUresult CUDA_ERROR_INVALID_HANDLE = 400;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;
constexpr CUresult CUDA_ERROR_LAUNCH_FAILED = 719;

constexpr int ATTR_MULTIPROCESSOR_COUNT = 16;
constexpr int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

constexpr int FUNC_MAX_THREADS_PER_BLOCK = 0;
constexpr int FUNC_SHARED_SIZE_BYTES = 1;
constexpr int FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

constexpr int DEFAULT_SHARED_LIMIT = 48 * 1024;

// ---- the device ------------------------------------------------------------------------------
struct Device {
    int major = 9;
    int minor = 0;
    int optIn = 232448;
    size_t memory = size_t(1) << 30;

    Device() {
        if (const char* cc = std::getenv("FAKECUDA_CC")) {
            std::sscanf(cc, "%d.%d", &major, &minor);
        }
        if (const char* o = std::getenv("FAKECUDA_OPTIN")) {
            optIn = std::atoi(o);
        }
        if (const char* m = std::getenv("FAKECUDA_MEMORY")) {
            memory = std::strtoull(m, nullptr, 10);
        }
    }
};

/** What the emulation knows of one entry point: how to run it and the launch it expects. */
struct Kernel {
    int blockThreads;               // the launchers' block size (smyrf_geometry.h)
    int staticShared;               // bytes of static shared memory, as ptxas reports them
    std::set<int> nullableParams;   // pointer parameters that may be 0
    int paramCount;
    std::vector<bool> pointerParams;
    // Runs the kernel on the emulation with arguments read from kernelParams.
    void (*run)(const char* name, dim3 grid, dim3 block, size_t shared, void** params);
};

template <class T>
using Bare = std::remove_cv_t<std::remove_reference_t<T>>;

template <class... P, size_t... I>
void run_unpacked(const char* name, dim3 grid, dim3 block, size_t shared, void (*kernel)(P...), void** params,
        std::index_sequence<I...>) {
    cuda_emu::launch(name, grid, block, shared, kernel, *static_cast<Bare<P>*>(params[I])...);
}

template <auto KernelFn>
struct Adapter;

template <class... P, void (*KernelFn)(P...)>
struct Adapter<KernelFn> {
    static void run(const char* name, dim3 grid, dim3 block, size_t shared, void** params) {
        run_unpacked(name, grid, block, shared, KernelFn, params, std::index_sequence_for<P...>{});
    }
    static Kernel make(int blockThreads, int staticShared, std::set<int> nullable) {
        return Kernel{blockThreads, staticShared, std::move(nullable), int(sizeof...(P)),
                {std::is_pointer_v<Bare<P>>...}, &run};
    }
};

const std::map<std::string, Kernel>& kernels() {
    // Static shared memory as the manifest reports it (docs/kernels.md); the extraction has no
    // __launch_bounds__ and is launched with 256 threads (KernelGeometry.EXTRACT_THREADS).
    static const std::map<std::string, Kernel> table = {
        {"smyrf_max_sq_norms", Adapter<smyrf_max_sq_norms>::make(SMYRF_HASH_THREADS, 1024, {})},
        {"smyrf_hash_queries", Adapter<smyrf_hash_queries>::make(SMYRF_HASH_THREADS, 0, {4, 12})},
        {"smyrf_hash_keys", Adapter<smyrf_hash_keys>::make(SMYRF_HASH_THREADS, 0, {4, 12})},
        {"smyrf_sort_local", Adapter<smyrf_sort_local>::make(SMYRF_SORT_THREADS, 16384, {})},
        {"smyrf_sort_global_step", Adapter<smyrf_sort_global_step>::make(SMYRF_SORT_THREADS, 0, {})},
        {"smyrf_sort_local_merge", Adapter<smyrf_sort_local_merge>::make(SMYRF_SORT_THREADS, 16384, {})},
        {"smyrf_extract_order", Adapter<smyrf_extract_order>::make(256, 0, {})},
        {"smyrf_cluster_ids", Adapter<smyrf_cluster_ids>::make(256, 0, {})},
        {"smyrf_cluster_attention", Adapter<smyrf_cluster_attention>::make(SMYRF_ATTN_THREADS, 640, {3})},
        // The tensor-core kernel: row indices of the pass's queries and of the key tile, (64 + 32) ints.
        {"smyrf_cluster_attention_tc", Adapter<smyrf_cluster_attention_tc>::make(SMYRF_TC_THREADS, 640, {3})},
        {"smyrf_cluster_attention_global",
                Adapter<smyrf_cluster_attention_global>::make(SMYRF_ATTN_THREADS, 640, {3})},
        {"smyrf_cluster_attention_union",
                Adapter<smyrf_cluster_attention_union>::make(SMYRF_ATTN_THREADS, 640, {3, 6})},
        {"smyrf_window_attention", Adapter<smyrf_window_attention>::make(SMYRF_ATTN_THREADS, 640, {3, 4, 5})},
        {"smyrf_combine", Adapter<smyrf_combine>::make(SMYRF_COMBINE_THREADS, 8192, {})},
        {"smyrf_dense_attention", Adapter<smyrf_dense_attention>::make(SMYRF_DENSE_THREADS, 640, {3})},
        // The layer's kernels (gemm.cu: 2 * TILE_K * (TILE_M + 4) floats of static shared memory; heads.cu).
        {"smyrf_linear", Adapter<smyrf_linear>::make(SMYRF_GEMM_THREADS, 8448, {2})},
        {"smyrf_broadcast_rows", Adapter<smyrf_broadcast_rows>::make(SMYRF_ELEMENTWISE_THREADS, 0, {})},
        {"smyrf_split_heads", Adapter<smyrf_split_heads>::make(SMYRF_ELEMENTWISE_THREADS, 0, {})},
        {"smyrf_merge_heads", Adapter<smyrf_merge_heads>::make(SMYRF_ELEMENTWISE_THREADS, 0, {})},
    };
    return table;
}

// ---- driver state ------------------------------------------------------------------------------
struct Function {
    Module* module;
    std::string name;
    const Kernel* kernel;
    int maxDynamicShared;
};

struct Module {
    Context* context;
    std::string kind;   // "cubin sm_XY" or "ptx sm_XY"
    std::string image;  // the image's bytes, to find function names in
    std::vector<std::unique_ptr<Function>> functions;
};

struct Stream {
    Context* context;
};

struct Context {
    int retains = 0;
    bool alive = false;
};

struct Counters {
    long retains = 0, releases = 0, pushes = 0, pops = 0, allocations = 0, frees = 0, launches = 0, modulesLoaded = 0,
         modulesUnloaded = 0, streamsCreated = 0, streamsDestroyed = 0, errors = 0, unbalancedThreads = 0,
         leakedAtReset = 0, eventsCreated = 0, eventsDestroyed = 0, withheld = 0;
};

std::recursive_mutex& lock() {
    static std::recursive_mutex m;
    return m;
}

Device& device() {
    static Device d;
    return d;
}

Counters& counters() {
    static Counters c;
    return c;
}

Context& primary() {
    static Context c;
    return c;
}

std::map<CUdeviceptr, size_t>& allocations() {
    static auto* a = new std::map<CUdeviceptr, size_t>();  // never destroyed: the report at exit reads it
    return *a;
}

std::set<Module*>& modules() {
    static auto* m = new std::set<Module*>();  // never destroyed: the report at exit reads it
    return *m;
}

std::set<Stream*>& streams() {
    static auto* s = new std::set<Stream*>();  // never destroyed: the report at exit reads it
    return *s;
}

bool initialized = false;

/** The calling thread's context stack; a thread that ends with contexts pushed is counted. */
struct ThreadContexts {
    std::vector<Context*> stack;
    ~ThreadContexts() {
        if (!stack.empty()) {
            std::lock_guard<std::recursive_mutex> g(lock());
            counters().unbalancedThreads++;
            std::fprintf(stderr, "fakecuda: a thread ended with %zu context(s) still pushed\n", stack.size());
        }
    }
};

ThreadContexts& thread_contexts() {
    static thread_local ThreadContexts t;
    return t;
}

bool verbose() {
    static const bool v = std::getenv("FAKECUDA_VERBOSE") != nullptr;
    return v;
}

void trace(const char* fmt, ...) {
    if (!verbose()) return;
    std::va_list args;
    va_start(args, fmt);
    std::fprintf(stderr, "fakecuda: ");
    std::vfprintf(stderr, fmt, args);
    std::fprintf(stderr, "\n");
    va_end(args);
}

/** Reports a refused call on stderr (always: a refusal is a finding) and returns its code. */
CUresult refuse(CUresult code, const char* call, const std::string& why) {
    counters().errors++;
    std::fprintf(stderr, "fakecuda: %s refused (%d): %s\n", call, code, why.c_str());
    return code;
}

/** The current context, or null when none is current or it has been destroyed. */
Context* current() {
    auto& s = thread_contexts().stack;
    if (s.empty() || !s.back()->alive) return nullptr;
    return s.back();
}

/** The allocation holding [p, p + bytes), as (base, size); base 0 when none does. */
std::pair<CUdeviceptr, size_t> allocation_of(CUdeviceptr p, size_t bytes) {
    auto& a = allocations();
    auto it = a.upper_bound(p);
    if (it == a.begin()) return {0, 0};
    --it;
    if (p >= it->first && p + bytes <= it->first + it->second) return *it;
    return {0, 0};
}

size_t allocated_bytes() {
    size_t sum = 0;
    for (auto& [p, n] : allocations()) sum += n;
    return sum;
}

/** Tears the context down as a release of the last reference does: everything in it is freed. */
void reset_primary() {
    Context& c = primary();
    long leaked = long(allocations().size() + modules().size() + streams().size());
    if (leaked > 0) {
        counters().leakedAtReset += leaked;
        std::fprintf(stderr, "fakecuda: primary context reset with %zu allocation(s), %zu module(s), %zu stream(s) "
                "still alive\n", allocations().size(), modules().size(), streams().size());
    }
    for (auto& [p, n] : allocations()) std::free(reinterpret_cast<void*>(p));
    allocations().clear();
    for (Module* m : modules()) delete m;
    modules().clear();
    for (Stream* s : streams()) delete s;
    streams().clear();
    c.alive = false;
}

/** The architecture a cubin was built for (ELF e_flags bits 8-15), or -1. */
int cubin_arch(const unsigned char* image) {
    uint32_t flags;
    std::memcpy(&flags, image + 48, 4);  // e_flags of an ELF64 header
    return int((flags >> 8) & 0xFF);
}

size_t elf_size(const unsigned char* image) {
    uint64_t shoff;
    uint16_t shentsize, shnum;
    std::memcpy(&shoff, image + 40, 8);
    std::memcpy(&shentsize, image + 58, 2);
    std::memcpy(&shnum, image + 60, 2);
    return size_t(shoff) + size_t(shentsize) * shnum;
}

void write_report() {
    const char* path = std::getenv("FAKECUDA_REPORT");
    if (path == nullptr) return;
    FILE* f = std::fopen(path, "a");
    if (f == nullptr) return;
    Counters& c = counters();
    std::fprintf(f, "retains=%ld releases=%ld pushes=%ld pops=%ld allocations=%ld frees=%ld live_allocations=%zu "
            "launches=%ld modules_loaded=%ld modules_unloaded=%ld streams_created=%ld streams_destroyed=%ld "
            "errors=%ld unbalanced_threads=%ld leaked_at_reset=%ld events_created=%ld events_destroyed=%ld "
            "withheld=%ld\n",
            c.retains, c.releases, c.pushes, c.pops, c.allocations, c.frees, allocations().size(), c.launches,
            c.modulesLoaded, c.modulesUnloaded, c.streamsCreated, c.streamsDestroyed, c.errors, c.unbalancedThreads,
            c.leakedAtReset, c.eventsCreated, c.eventsDestroyed, c.withheld);
    std::fclose(f);
}

struct ReportAtExit {
    ReportAtExit() { std::atexit(write_report); }
} report_at_exit;

#define REQUIRE_INIT(call) \
    if (!initialized) return refuse(CUDA_ERROR_NOT_INITIALIZED, call, "cuInit was not called")
#define REQUIRE_CONTEXT(call)                                                                      \
    Context* ctx = current();                                                                     \
    if (ctx == nullptr) return refuse(CUDA_ERROR_INVALID_CONTEXT, call, "no context is current on this thread")

}  // namespace fakecuda

using namespace fakecuda;

// ---- the API -----------------------------------------------------------------------------------
extern "C" {

CUresult cuInit(unsigned flags) {
    std::lock_guard<std::recursive_mutex> g(lock());
    trace("cuInit(%u)", flags);
    if (flags != 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuInit", "flags must be 0");
    initialized = true;
    return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* version) {
    if (version == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuDriverGetVersion", "null");
    *version = 13000;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
    REQUIRE_INIT("cuDeviceGetCount");
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* dev, int ordinal) {
    REQUIRE_INIT("cuDeviceGet");
    if (ordinal != 0) return refuse(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGet", "only device 0 exists");
    *dev = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice dev) {
    REQUIRE_INIT("cuDeviceGetName");
    if (dev != 0 || name == nullptr || len <= 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetName", "arguments");
    std::snprintf(name, size_t(len), "Fake CUDA device (CPU emulation, compute %d.%d)", device().major, device().minor);
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice dev) {
    REQUIRE_INIT("cuDeviceGetAttribute");
    if (dev != 0 || value == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute", "arguments");
    switch (attribute) {
        case ATTR_COMPUTE_CAPABILITY_MAJOR: *value = device().major; return CUDA_SUCCESS;
        case ATTR_COMPUTE_CAPABILITY_MINOR: *value = device().minor; return CUDA_SUCCESS;
        case ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *value = device().optIn; return CUDA_SUCCESS;
        case ATTR_MULTIPROCESSOR_COUNT: *value = 4; return CUDA_SUCCESS;
        default:
            return refuse(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute",
                    "attribute " + std::to_string(attribute) + " is not emulated");
    }
}

CUresult cuDevicePrimaryCtxRetain(Context** pctx, CUdevice dev) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_INIT("cuDevicePrimaryCtxRetain");
    if (dev != 0 || pctx == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuDevicePrimaryCtxRetain", "arguments");
    Context& c = primary();
    c.retains++;
    c.alive = true;
    counters().retains++;
    *pctx = &c;
    trace("cuDevicePrimaryCtxRetain -> %d references", c.retains);
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_INIT("cuDevicePrimaryCtxRelease");
    Context& c = primary();
    if (dev != 0 || c.retains <= 0) {
        return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuDevicePrimaryCtxRelease", "the primary context is not retained");
    }
    counters().releases++;
    if (--c.retains == 0) {
        reset_primary();
    }
    trace("cuDevicePrimaryCtxRelease -> %d references", c.retains);
    return CUDA_SUCCESS;
}

CUresult cuCtxPushCurrent_v2(Context* ctx) {
    std::lock_guard<std::recursive_mutex> g(lock());
    if (ctx == nullptr || ctx != &primary() || !ctx->alive) {
        return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxPushCurrent", "not a live context");
    }
    thread_contexts().stack.push_back(ctx);
    counters().pushes++;
    return CUDA_SUCCESS;
}

CUresult cuCtxPopCurrent_v2(Context** pctx) {
    std::lock_guard<std::recursive_mutex> g(lock());
    auto& s = thread_contexts().stack;
    if (s.empty()) return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxPopCurrent", "no context is current on this thread");
    if (pctx != nullptr) *pctx = s.back();
    s.pop_back();
    counters().pops++;
    return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(Module** module, const void* image) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuModuleLoadData");
    if (module == nullptr || image == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadData", "null");
    const auto* bytes = static_cast<const unsigned char*>(image);
    const int card = device().major * 10 + device().minor;
    auto m = std::make_unique<Module>();
    m->context = ctx;
    if (std::memcmp(bytes, "\x7f" "ELF", 4) == 0) {
        int arch = cubin_arch(bytes);
        if (arch / 10 != device().major || arch > card) {
            return refuse(CUDA_ERROR_NO_BINARY_FOR_GPU, "cuModuleLoadData",
                    "cubin for sm_" + std::to_string(arch) + " on a compute " + std::to_string(card) + " device");
        }
        m->kind = "cubin sm_" + std::to_string(arch);
        m->image.assign(reinterpret_cast<const char*>(bytes), elf_size(bytes));
    } else {
        std::string text(reinterpret_cast<const char*>(bytes));  // PTX must end with a NUL
        auto at = text.find(".target sm_");
        if (text.find(".version") == std::string::npos || at == std::string::npos) {
            return refuse(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData", "neither a cubin nor PTX text");
        }
        int target = std::atoi(text.c_str() + at + 11);
        if (target > card) {
            return refuse(CUDA_ERROR_NO_BINARY_FOR_GPU, "cuModuleLoadData",
                    "PTX for sm_" + std::to_string(target) + " on a compute " + std::to_string(card) + " device");
        }
        m->kind = "ptx sm_" + std::to_string(target);
        m->image = text;
    }
    counters().modulesLoaded++;
    trace("cuModuleLoadData: %s", m->kind.c_str());
    *module = m.get();
    modules().insert(m.release());
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(Module* module) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuModuleUnload");
    if (modules().erase(module) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload", "not a loaded module");
    delete module;
    counters().modulesUnloaded++;
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(Function** function, Module* module, const char* name) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuModuleGetFunction");
    if (modules().count(module) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetFunction", "not a loaded module");
    }
    std::string wanted(name);
    const char* withhold = std::getenv("FAKECUDA_WITHHOLD");
    if (withhold != nullptr && wanted == withhold) {
        counters().withheld++;
        trace("cuModuleGetFunction: %s withheld (FAKECUDA_WITHHOLD)", name);
        return CUDA_ERROR_NOT_FOUND;
    }
    if (module->image.find(wanted) == std::string::npos) {
        return refuse(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction", wanted + " is not in the " + module->kind + " image");
    }
    auto k = kernels().find(wanted);
    if (k == kernels().end()) {
        return refuse(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction", wanted + " is not an emulated entry point");
    }
    module->functions.push_back(std::make_unique<Function>(
            Function{module, wanted, &k->second, DEFAULT_SHARED_LIMIT - k->second.staticShared}));
    *function = module->functions.back().get();
    return CUDA_SUCCESS;
}

}  // extern "C"

namespace fakecuda {

/** The function if it belongs to a loaded module of the current context, else null. */
Function* live_function(Function* f, Context* ctx) {
    if (f == nullptr) return nullptr;
    for (Module* m : modules()) {
        if (m->context != ctx) continue;
        for (auto& own : m->functions) {
            if (own.get() == f) return f;
        }
    }
    return nullptr;
}

}  // namespace fakecuda

extern "C" {

CUresult cuFuncGetAttribute(int* value, int attribute, Function* f) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuFuncGetAttribute");
    if (live_function(f, ctx) == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuFuncGetAttribute", "function");
    switch (attribute) {
        case FUNC_MAX_THREADS_PER_BLOCK: *value = f->kernel->blockThreads; return CUDA_SUCCESS;
        case FUNC_SHARED_SIZE_BYTES: *value = f->kernel->staticShared; return CUDA_SUCCESS;
        case FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES: *value = f->maxDynamicShared; return CUDA_SUCCESS;
        default:
            return refuse(CUDA_ERROR_INVALID_VALUE, "cuFuncGetAttribute",
                    "attribute " + std::to_string(attribute) + " is not emulated");
    }
}

CUresult cuFuncSetAttribute(Function* f, int attribute, int value) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuFuncSetAttribute");
    if (live_function(f, ctx) == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuFuncSetAttribute", "function");
    if (attribute != FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuFuncSetAttribute", "attribute " + std::to_string(attribute));
    }
    if (value < 0 || value + f->kernel->staticShared > device().optIn) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuFuncSetAttribute", f->name + ": " + std::to_string(value)
                + " dynamic + " + std::to_string(f->kernel->staticShared) + " static bytes exceed the opt-in limit "
                + std::to_string(device().optIn));
    }
    f->maxDynamicShared = value;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemAlloc");
    if (p == nullptr || bytes == 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc", "0 bytes");
    if (allocated_bytes() + bytes > device().memory) {
        return refuse(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc", std::to_string(bytes) + " bytes");
    }
    size_t rounded = (bytes + 255) / 256 * 256;
    void* mem = std::aligned_alloc(256, rounded);
    if (mem == nullptr) return refuse(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc", "host memory");
    std::memset(mem, 0xFF, rounded);
    *p = reinterpret_cast<CUdeviceptr>(mem);
    allocations()[*p] = bytes;
    counters().allocations++;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemFree");
    auto it = allocations().find(p);
    if (it == allocations().end()) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemFree", "not a live allocation");
    std::free(reinterpret_cast<void*>(p));
    allocations().erase(it);
    counters().frees++;
    return CUDA_SUCCESS;
}

CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemGetInfo");
    *total = device().memory;
    *free = device().memory - allocated_bytes();
    return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemcpyHtoD");
    if (allocation_of(dst, bytes).first == 0 || src == nullptr) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemcpyHtoD", std::to_string(bytes) + " bytes outside any allocation");
    }
    std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemcpyDtoH");
    if (allocation_of(src, bytes).first == 0 || dst == nullptr) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoH", std::to_string(bytes) + " bytes outside any allocation");
    }
    std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return CUDA_SUCCESS;
}

CUresult cuStreamCreate(Stream** stream, unsigned flags) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuStreamCreate");
    if (stream == nullptr || flags > 1) return refuse(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate", "arguments");
    auto* s = new Stream{ctx};
    streams().insert(s);
    counters().streamsCreated++;
    *stream = s;
    return CUDA_SUCCESS;
}

CUresult cuStreamDestroy_v2(Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuStreamDestroy");
    if (streams().erase(stream) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy", "not a stream");
    delete stream;
    counters().streamsDestroyed++;
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuStreamSynchronize");
    if (stream != nullptr && streams().count(stream) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamSynchronize", "not a stream");
    }
    return CUDA_SUCCESS;
}

CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t words, Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemsetD32Async");
    if (stream != nullptr && streams().count(stream) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuMemsetD32Async", "not a stream");
    }
    if (allocation_of(dst, words * 4).first == 0 || dst % 4 != 0) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemsetD32Async", std::to_string(words) + " words outside any allocation");
    }
    auto* p = reinterpret_cast<uint32_t*>(dst);
    for (size_t i = 0; i < words; i++) p[i] = value;
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(Function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
        unsigned shared, Stream* stream, void** params, void** extra) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuLaunchKernel");
    if (live_function(f, ctx) == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuLaunchKernel", "function");
    const std::string& name = f->name;
    const Kernel& k = *f->kernel;
    auto fail = [&](const std::string& why) { return refuse(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel", name + ": " + why); };
    if (stream != nullptr && (streams().count(stream) == 0 || stream->context != ctx)) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuLaunchKernel", name + ": not a stream of this context");
    }
    if (extra != nullptr) return fail("extra must be null");
    if (params == nullptr) return fail("kernelParams is null");
    if (bx != unsigned(k.blockThreads) || by != 1 || bz != 1) {
        return fail("block (" + std::to_string(bx) + ", " + std::to_string(by) + ", " + std::to_string(bz)
                + "), the kernel expects (" + std::to_string(k.blockThreads) + ", 1, 1)");
    }
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535) {
        return fail("grid (" + std::to_string(gx) + ", " + std::to_string(gy) + ", " + std::to_string(gz) + ")");
    }
    if (int(shared) > f->maxDynamicShared) {
        return fail(std::to_string(shared) + " bytes of dynamic shared memory, the function allows "
                + std::to_string(f->maxDynamicShared) + " (cuFuncSetAttribute raises it)");
    }
    for (int i = 0; i < k.paramCount; i++) {
        if (params[i] == nullptr) return fail("parameter " + std::to_string(i) + " has a null value pointer");
        if (!k.pointerParams[i]) continue;
        CUdeviceptr p;
        std::memcpy(&p, params[i], sizeof p);
        if (p == 0) {
            if (k.nullableParams.count(i) == 0) return fail("pointer parameter " + std::to_string(i) + " is null");
            continue;
        }
        if (allocation_of(p, 1).first == 0) {
            char text[32];
            std::snprintf(text, sizeof text, "0x%llx", p);
            return fail("pointer parameter " + std::to_string(i) + " = " + text + " is not in a live allocation");
        }
    }
    counters().launches++;
    trace("cuLaunchKernel %s grid (%u, %u, %u) block %u shared %u", name.c_str(), gx, gy, gz, bx, shared);
    try {
        k.run(name.c_str(), dim3(gx, gy, gz), dim3(bx, by, bz), shared, params);
    } catch (const std::exception& e) {
        return refuse(CUDA_ERROR_LAUNCH_FAILED, "cuLaunchKernel", name + ": " + e.what());
    }
    return CUDA_SUCCESS;
}

}  // extern "C"

// ---- events and device-to-device copies (bench's CUDA timing) -----------------------------------
// Every launch runs to completion before it returns, so an event records the host clock when the
// work before it on any stream has already finished: elapsed times are real but CPU-emulation slow.
namespace fakecuda {

struct Event {
    Context* context;
    bool recorded = false;
    std::chrono::steady_clock::time_point at;
};

std::set<Event*>& events() {
    static auto* e = new std::set<Event*>();  // never destroyed: the report at exit reads it
    return *e;
}

}  // namespace fakecuda

extern "C" {

CUresult cuEventCreate(Event** event, unsigned flags) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuEventCreate");
    if (event == nullptr || flags > 0xF) return refuse(CUDA_ERROR_INVALID_VALUE, "cuEventCreate", "arguments");
    auto* e = new Event{ctx, false, {}};
    events().insert(e);
    counters().eventsCreated++;
    *event = e;
    return CUDA_SUCCESS;
}

CUresult cuEventDestroy_v2(Event* event) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuEventDestroy");
    if (events().erase(event) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventDestroy", "not an event");
    delete event;
    counters().eventsDestroyed++;
    return CUDA_SUCCESS;
}

CUresult cuEventRecord(Event* event, Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuEventRecord");
    if (events().count(event) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord", "not an event");
    // The legacy (0) and per-thread (2) default streams are handles too.
    bool defaultStream = reinterpret_cast<uintptr_t>(stream) <= 2;
    if (!defaultStream && streams().count(stream) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord", "not a stream");
    }
    event->recorded = true;
    event->at = std::chrono::steady_clock::now();
    return CUDA_SUCCESS;
}

CUresult cuEventSynchronize(Event* event) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuEventSynchronize");
    if (events().count(event) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventSynchronize", "not an event");
    return CUDA_SUCCESS;
}

CUresult cuEventElapsedTime(float* millis, Event* start, Event* end) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuEventElapsedTime");
    if (millis == nullptr || events().count(start) == 0 || events().count(end) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime", "not an event");
    }
    if (!start->recorded || !end->recorded) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime", "an event was never recorded");
    }
    *millis = std::chrono::duration<float, std::milli>(end->at - start->at).count();
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, Stream* stream) {
    std::lock_guard<std::recursive_mutex> g(lock());
    REQUIRE_CONTEXT("cuMemcpyDtoDAsync");
    bool defaultStream = reinterpret_cast<uintptr_t>(stream) <= 2;
    if (!defaultStream && streams().count(stream) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuMemcpyDtoDAsync", "not a stream");
    }
    if (allocation_of(dst, bytes).first == 0 || allocation_of(src, bytes).first == 0) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoDAsync", std::to_string(bytes) + " bytes outside any allocation");
    }
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
    return CUDA_SUCCESS;
}

}  // extern "C"
