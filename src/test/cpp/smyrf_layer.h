// smyrf_layer.h: the attention layer's kernels (gemm.cu, heads.cu) launched in the geometry of
// docs/kernels.md ("Layer"), their serial references, and a self-check of one against the other.
// Like smyrf_pipeline.h it builds with the CPU emulation or with nvcc for a real GPU.
#ifndef SMYRF_LAYER_H
#define SMYRF_LAYER_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "smyrf_kernels.h"
#include "smyrf_pipeline.h"

namespace smyrf::layer {

/** One projection y = x W^T + b: x (rows, in), w (out, in), bias (out) or empty. */
struct GemmCase {
    int rows = 1, in = 1, out = 1;
    std::vector<float> x, w, bias;

    void validate() const {
        if (rows <= 0 || in <= 0 || out <= 0) throw std::invalid_argument("rows, in and out must be > 0");
        if (x.size() != size_t(rows) * in) throw std::invalid_argument("x holds " + std::to_string(x.size()) + " values");
        if (w.size() != size_t(out) * in) throw std::invalid_argument("w holds " + std::to_string(w.size()) + " values");
        if (!bias.empty() && bias.size() != size_t(out)) {
            throw std::invalid_argument("bias holds " + std::to_string(bias.size()) + " values");
        }
    }
};

/** smyrf_linear on the device: grid (ceil(rows/TILE_M), ceil(out/TILE_N)) x GEMM_THREADS. */
inline std::vector<float> linear(const GemmCase& c) {
    c.validate();
    DeviceBuffer<float> x(c.x), w(c.w), bias(c.bias.empty() ? std::vector<float>(1) : c.bias);
    DeviceBuffer<float> y(size_t(c.rows) * c.out);
    SMYRF_LAUNCH(smyrf_linear, dim3(blocks_for(c.rows, SMYRF_GEMM_TILE_M), blocks_for(c.out, SMYRF_GEMM_TILE_N)),
            dim3(SMYRF_GEMM_THREADS), 0, x.get(), w.get(), c.bias.empty() ? nullptr : bias.get(), c.rows, c.in, c.out,
            y.get());
    synchronize();
    return y.download();
}

/** The reference: per element the chain bias, then fma(x[r, k], w[c, k]) for k ascending (CpuGemm's). */
inline std::vector<float> linear_reference(const GemmCase& c) {
    std::vector<float> y(size_t(c.rows) * c.out);
    for (int r = 0; r < c.rows; r++) {
        for (int o = 0; o < c.out; o++) {
            float acc = c.bias.empty() ? 0.0f : c.bias[o];
            for (int k = 0; k < c.in; k++) {
                acc = std::fma(c.x[size_t(r) * c.in + k], c.w[size_t(o) * c.in + k], acc);
            }
            y[size_t(r) * c.out + o] = acc;
        }
    }
    return y;
}

/** smyrf_broadcast_rows: (rows, cols) copies of row. */
inline std::vector<float> broadcast_rows(const std::vector<float>& row, int rows) {
    const int cols = int(row.size());
    DeviceBuffer<float> in(row), out(size_t(rows) * cols);
    SMYRF_LAUNCH(smyrf_broadcast_rows, dim3(blocks_for((long long)rows * cols, SMYRF_ELEMENTWISE_THREADS)),
            dim3(SMYRF_ELEMENTWISE_THREADS), 0, in.get(), rows, cols, out.get());
    synchronize();
    return out.download();
}

/** smyrf_split_heads (split) or smyrf_merge_heads (!split) of x. */
inline std::vector<float> move_heads(bool split, const std::vector<float>& x, int B, int len, int heads, int headDim) {
    DeviceBuffer<float> in(x), out(x.size());
    dim3 grid(blocks_for((long long)x.size(), SMYRF_ELEMENTWISE_THREADS));
    if (split) {
        SMYRF_LAUNCH(smyrf_split_heads, grid, dim3(SMYRF_ELEMENTWISE_THREADS), 0, in.get(), B, len, heads, headDim,
                out.get());
    } else {
        SMYRF_LAUNCH(smyrf_merge_heads, grid, dim3(SMYRF_ELEMENTWISE_THREADS), 0, in.get(), B, len, heads, headDim,
                out.get());
    }
    synchronize();
    return out.download();
}

/** The split's reference: element (b, n, hh*headDim + j) goes to row b*heads + hh, token n, column j. */
inline std::vector<float> split_reference(const std::vector<float>& x, int B, int len, int heads, int headDim) {
    std::vector<float> out(x.size());
    for (int b = 0; b < B; b++) {
        for (int n = 0; n < len; n++) {
            for (int hh = 0; hh < heads; hh++) {
                for (int j = 0; j < headDim; j++) {
                    out[((size_t(b) * heads + hh) * len + n) * headDim + j] =
                            x[(size_t(b) * len + n) * heads * headDim + size_t(hh) * headDim + j];
                }
            }
        }
    }
    return out;
}

/** The first index where a and b differ in their bits, or -1. */
inline long first_bit_difference(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return 0;
    for (size_t i = 0; i < a.size(); i++) {
        if (std::memcmp(&a[i], &b[i], 4) != 0) return long(i);
    }
    return -1;
}

inline std::vector<float> normal_values(std::mt19937_64& rng, size_t n) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& e : v) e = normal(rng);
    return v;
}

/**
 * The layer kernels against their references, bit for bit (the same float operations in the
 * same order): GEMM shapes off the tile sizes in every dimension, with and without bias; split
 * and merge on odd sizes; the bias rows. Prints one line per check; returns the failures.
 */
inline int self_check() {
    struct Shape {
        int rows, in, out;
        bool bias;
    };
    // 1 x 1 x 1; a partial k step only; several k steps with a partial last one; rows and
    // columns past one tile (130 = 128 + 2, 131); in = 129 (one past a step boundary).
    const Shape shapes[] = {{1, 1, 1, true}, {37, 5, 29, false}, {37, 45, 29, true}, {130, 19, 131, true},
            {7, 129, 33, false}};
    int failures = 0;
    std::mt19937_64 rng(77);
    for (const Shape& s : shapes) {
        GemmCase c;
        c.rows = s.rows;
        c.in = s.in;
        c.out = s.out;
        c.x = normal_values(rng, size_t(s.rows) * s.in);
        c.w = normal_values(rng, size_t(s.out) * s.in);
        if (s.bias) c.bias = normal_values(rng, s.out);
        std::vector<float> got = linear(c);
        std::vector<float> want = linear_reference(c);
        long bad = first_bit_difference(got, want);
        std::printf("gemm %d x %d x %d%s: %s", s.rows, s.in, s.out, s.bias ? " + bias" : "",
                bad < 0 ? "bit-identical\n" : "MISMATCH");
        if (bad >= 0) {
            std::printf(" at %ld: kernel %.9g reference %.9g\n", bad, got[bad], want[bad]);
            failures++;
        }
    }
    const int B = 2, len = 7, heads = 3, headDim = 5;
    std::vector<float> x = normal_values(rng, size_t(B) * len * heads * headDim);
    std::vector<float> split = move_heads(true, x, B, len, heads, headDim);
    long badSplit = first_bit_difference(split, split_reference(x, B, len, heads, headDim));
    long badMerge = first_bit_difference(move_heads(false, split, B, len, heads, headDim), x);
    std::vector<float> row = normal_values(rng, 13);
    std::vector<float> rows = broadcast_rows(row, 3);
    long badRows = -1;
    for (size_t i = 0; i < rows.size() && badRows < 0; i++) {
        if (std::memcmp(&rows[i], &row[i % row.size()], 4) != 0) badRows = long(i);
    }
    std::printf("split heads: %s, merge heads: %s, broadcast rows: %s\n", badSplit < 0 ? "exact" : "MISMATCH",
            badMerge < 0 ? "inverse" : "MISMATCH", badRows < 0 ? "exact" : "MISMATCH");
    failures += (badSplit >= 0) + (badMerge >= 0) + (badRows >= 0);
    return failures;
}

}  // namespace smyrf::layer

#endif
