// smyrf_geometry.h: the launch geometry shared by the kernels, the CPU emulation's driver and
// (mirrored by org.smyrf4j.cuda.KernelGeometry, checked equal by a test) the Java launchers.
// docs/kernels.md explains each value. Plain macros so the same file serves nvcc, g++ and a
// text parser; change a value here, in KernelGeometry.java and in docs/kernels.md together.
#ifndef SMYRF_GEOMETRY_H
#define SMYRF_GEOMETRY_H

// Threads per hashing / norm block: one token per thread.
#define SMYRF_HASH_THREADS 256
// Tokens of one row a norm block reads (8 per thread), so long rows spread over many SMs.
#define SMYRF_NORM_TOKENS 2048
// Threads per sort block; each owns two keys of the block's chunk.
#define SMYRF_SORT_THREADS 1024
// Keys a sort block holds in shared memory (2 * SORT_THREADS, 16 KiB of uint64).
#define SMYRF_SORT_LOCAL 2048
// Threads per cluster-attention block; thread t owns query t of the pass.
#define SMYRF_ATTN_THREADS 128
// Keys staged in shared memory at a time (attention and dense).
#define SMYRF_ATTN_KEY_TILE 32
// Value columns a thread accumulates in registers per pass over the keys.
#define SMYRF_ATTN_DV_CHUNK 32
// Tensor-core cluster attention (attention_tc.cu): threads per block (8 warps), query rows per
// pass (16 per warp, one wmma row tile each; 128, so a cluster of up to 128 queries gathers
// each of its keys once per round) and keys staged per tile (two wmma column tiles).
#define SMYRF_TC_THREADS 256
#define SMYRF_TC_QUERY_ROWS 128
#define SMYRF_TC_KEY_TILE 32
// Threads per dense block = queries per block.
#define SMYRF_DENSE_THREADS 128
// Threads per combine block: one query row per thread.
#define SMYRF_COMBINE_THREADS 256
// Threads per GEMM block (gemm.cu): 16 x 16, each an 8 x 8 register tile of y.
#define SMYRF_GEMM_THREADS 256
// Rows and columns of y per GEMM block, and the k depth staged in shared memory per step.
#define SMYRF_GEMM_TILE_M 128
#define SMYRF_GEMM_TILE_N 128
#define SMYRF_GEMM_TILE_K 8
// Threads per element-wise block (heads.cu, smyrf_broadcast_rows): one element per thread.
#define SMYRF_ELEMENTWISE_THREADS 256

// Dynamic shared memory of an attention or dense block with `threads` threads and head dim
// `dim`: the pass's queries (odd row stride dim|1, so a warp's rows fall in different banks),
// one key tile and one value tile, all float.
#define SMYRF_TILE_SHARED_BYTES(threads, dim) \
    (4 * ((threads) * ((dim) | 1) + SMYRF_ATTN_KEY_TILE * (dim) + SMYRF_ATTN_KEY_TILE * SMYRF_ATTN_DV_CHUNK))

// Dynamic shared memory the union softmax (SPEC Extensions) adds to a cluster-attention or
// local-window block of `threads` threads over `hashes` rounds, on top of
// SMYRF_TILE_SHARED_BYTES: the key tile's cluster ids per round, the pass's queries' cluster ids
// (odd row stride) and a table of log n, n = 0..hashes+1 (the window counts as one more key
// set; attention.cu, SmyrfUnionLogits).
#define SMYRF_UNION_SHARED_BYTES(threads, hashes) \
    (4 * ((hashes) * SMYRF_ATTN_KEY_TILE + (threads) * ((hashes) | 1) + (hashes) + 2))

// Dynamic shared memory of a tensor-core cluster-attention block for head dims d and dv: query
// rows and key rows padded to a multiple of 8 columns (one tf32 k-step), value rows and the
// output accumulator to a multiple of 16 (one wmma column tile), each row 4 floats longer than
// that (16 bytes, so rows shift banks and every tile start stays 32-byte aligned), and the
// logits / probabilities of one key tile per query row; all float.
#define SMYRF_TC_ROUND_UP(x, m) ((((x) + (m) - 1) / (m)) * (m))
#define SMYRF_TC_SHARED_BYTES(d, dv)                                                      \
    (4 * ((SMYRF_TC_QUERY_ROWS + SMYRF_TC_KEY_TILE) * (SMYRF_TC_ROUND_UP(d, 8) + 4) +     \
          (SMYRF_TC_KEY_TILE + SMYRF_TC_QUERY_ROWS) * (SMYRF_TC_ROUND_UP(dv, 16) + 4) +   \
          SMYRF_TC_QUERY_ROWS * (SMYRF_TC_KEY_TILE + 4)))

#endif
