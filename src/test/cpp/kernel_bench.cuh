// kernel_bench.cuh: `smyrf-gpu --bench` (GPU build of kernel_driver.cpp only). Times every stage
// of smyrf_pipeline.h with CUDA events on a few representative sizes: two warm-up calls, then
// the median of 10 timed calls per stage. Inputs are random (never zeros), fresh per size.
#ifndef SMYRF_KERNEL_BENCH_CUH
#define SMYRF_KERNEL_BENCH_CUH

#include <algorithm>
#include <functional>
#include <utility>

namespace {

struct BenchSize {
    const char* name;
    int B, N, d, dv, H, C;
    bool dense = true;  // time our dense kernel too (seconds per call at issue 5's largest size)
};

float time_ms(const std::function<void()>& stage) {
    cudaEvent_t start, stop;
    smyrf::cuda_check(cudaEventCreate(&start), "cudaEventCreate");
    smyrf::cuda_check(cudaEventCreate(&stop), "cudaEventCreate");
    smyrf::cuda_check(cudaEventRecord(start), "cudaEventRecord");
    stage();
    smyrf::cuda_check(cudaEventRecord(stop), "cudaEventRecord");
    smyrf::cuda_check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    smyrf::cuda_check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return ms;
}

}  // namespace

int bench() {
    cudaDeviceProp prop{};
    smyrf::cuda_check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("device: %s, %d SMs, cc %d.%d\n", prop.name, prop.multiProcessorCount, prop.major, prop.minor);
    const BenchSize sizes[] = {
        {"B8 N4096 d64 H4 C128", 8, 4096, 64, 64, 4, 128},
        {"B4 N16384 d64 H4 C128", 4, 16384, 64, 64, 4, 128},
        {"B2 N65536 d64 H2 C256", 2, 65536, 64, 64, 2, 256},
        {"B16 N65536 d64 H4 C128", 16, 65536, 64, 64, 4, 128, false},  // issue 5's largest
    };
    for (size_t n = 0; n < sizeof(sizes) / sizeof(sizes[0]); n++) {
        const BenchSize& s = sizes[n];
        Shape shape{s.name, s.B, s.N, s.N, s.d, s.dv, s.H, s.C, s.C, 0, s.dense};
        smyrf::Case c = random_case(shape, 77 + n);
        smyrf::Pipeline p(c);
        std::vector<std::pair<const char*, std::function<void()>>> stages = {
            {"norms", [&] { p.norms(); }},       {"hash", [&] { p.hash(); }},
            {"sort", [&] { p.sort(); }},         {"orders", [&] { p.orders(); }},
            {"attention", [&] { p.attention(); }}, {"combine", [&] { p.combine(); }},
        };
        if (s.dense) stages.push_back({"dense", [&] { p.dense(); }});
        for (int warm = 0; warm < 2; warm++) {
            for (auto& st : stages) st.second();
        }
        smyrf::synchronize();
        std::printf("\n%s (L=%d)\n", s.name, c.L);
        double smyrfTotal = 0;
        for (auto& st : stages) {
            std::vector<float> t;
            for (int rep = 0; rep < 10; rep++) t.push_back(time_ms(st.second));
            std::sort(t.begin(), t.end());
            float median = t[t.size() / 2];
            double flops = 0;
            if (std::string(st.first) == "attention") flops = 2.0 * c.H * c.B * double(c.Nq) * c.Ck * (c.d + c.dv);
            if (std::string(st.first) == "dense") flops = 2.0 * c.B * double(c.Nq) * c.Nk * (c.d + c.dv);
            if (std::string(st.first) != "dense") smyrfTotal += median;
            std::printf("  %-10s %9.3f ms (min %.3f, max %.3f)", st.first, median, t.front(), t.back());
            if (flops > 0) std::printf("  %8.1f GFLOP/s useful", flops / median / 1e6);
            std::printf("\n");
        }
        std::printf("  %-10s %9.3f ms\n", "smyrf sum", smyrfTotal);
        // Tensor cores, SPEC Extensions and the local window: the attention stage (with the cluster ids for the
        // union, the window's round after the hash rounds) against the plain one above; global
        // keys [CLS]-like 0 and -1, a window of 16 positions each side.
        // "+tensor": the plain rounds on tensor cores (attention_tc.cu).
        struct Variant {
            const char* name;
            bool global, unionRounds;
            int window;
            bool tensorCores;
        };
        const Variant variants[] = {{"+tensor", false, false, 0, true}, {"+global", true, false, 0, false},
            {"+union", false, true, 0, false}, {"+both", true, true, 0, false}, {"+window", false, false, 16, false},
            {"+all", true, true, 16, false}};
        for (const Variant& variant : variants) {
            smyrf::Case e = c;
            if (variant.global) smyrf::resolve_global_keys(e, {0, -1});
            e.unionRounds = variant.unionRounds;
            e.window = variant.window;
            e.tensorCores = variant.tensorCores;
            smyrf::Pipeline pe(e);
            pe.norms();
            pe.hash();
            pe.sort();
            pe.orders();
            for (int warm = 0; warm < 2; warm++) pe.attention();
            smyrf::synchronize();
            std::vector<float> t;
            for (int rep = 0; rep < 10; rep++) t.push_back(time_ms([&] { pe.attention(); }));
            std::sort(t.begin(), t.end());
            std::printf("  attention %-8s %9.3f ms (min %.3f, max %.3f)\n", variant.name, t[t.size() / 2], t.front(),
                    t.back());
        }
    }
    return 0;
}

#endif
