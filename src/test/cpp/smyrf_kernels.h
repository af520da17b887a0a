// smyrf_kernels.h: prototypes of the kernel pack's entry points (docs/kernels.md), for host code
// that launches them: the emulated driver (g++, cuda_emu.h) or the same driver built by nvcc.
#ifndef SMYRF_KERNELS_H
#define SMYRF_KERNELS_H

#include "smyrf_geometry.h"

typedef unsigned long long smyrf_u64;
typedef unsigned char smyrf_u8;

extern "C" {
__global__ void smyrf_max_sq_norms(const float* x, int rows, int len, int dim, float* maxSq);
__global__ void smyrf_hash_queries(const float* q, const float* mq2, const float* mk2, const float* A,
        const smyrf_u8* keyValid, int B, int Nq, int Nk, int d, int H, int paddedLen, int segLen, float* hashes,
        smyrf_u64* keys);
__global__ void smyrf_hash_keys(const float* k, const float* mq2, const float* mk2, const float* A,
        const smyrf_u8* keyValid, int B, int Nq, int Nk, int d, int H, int paddedLen, int segLen, float* hashes,
        smyrf_u64* keys);
__global__ void smyrf_sort_local(smyrf_u64* keys, int segLen);
__global__ void smyrf_sort_global_step(smyrf_u64* keys, int segLen, int k, int j, int total);
__global__ void smyrf_sort_local_merge(smyrf_u64* keys, int segLen, int k);
__global__ void smyrf_extract_order(const smyrf_u64* keys, int segLen, int paddedLen, int segments, int* order);
__global__ void smyrf_cluster_attention(const float* q, const float* k, const float* v, const smyrf_u8* keyValid,
        const int* qOrder, const int* kOrder, int B, int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L,
        float scale, float* roundOut, float* roundLse);
__global__ void smyrf_cluster_attention_tc(const float* q, const float* k, const float* v, const smyrf_u8* keyValid,
        const int* qOrder, const int* kOrder, int B, int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L,
        float scale, float* roundOut, float* roundLse);
__global__ void smyrf_cluster_ids(const int* order, int segments, int len, int paddedLen, int clusterSize, int* ids);
__global__ void smyrf_cluster_attention_global(const float* q, const float* k, const float* v,
        const smyrf_u8* keyValid, const int* qOrder, const int* kOrder, const int* globalKeys, int B, int H, int Nq,
        int Nk, int d, int dv, int Cq, int Ck, int L, int G, float scale, float* roundOut, float* roundLse);
__global__ void smyrf_cluster_attention_union(const float* q, const float* k, const float* v,
        const smyrf_u8* keyValid, const int* qOrder, const int* kOrder, const int* globalKeys, const int* qCluster,
        const int* kCluster, int B, int H, int Nq, int Nk, int d, int dv, int Cq, int Ck, int L, int G, int window,
        float scale, float* roundOut, float* roundLse);
__global__ void smyrf_window_attention(const float* q, const float* k, const float* v, const smyrf_u8* keyValid,
        const int* qCluster, const int* kCluster, int B, int H, int Nq, int Nk, int d, int dv, int window, float scale,
        float* roundOut, float* roundLse);
__global__ void smyrf_combine(const float* roundOut, const float* roundLse, int H, int rows, int dv, float* out);
__global__ void smyrf_dense_attention(const float* q, const float* k, const float* v, const smyrf_u8* keyValid,
        int B, int Nq, int Nk, int d, int dv, float scale, float* out);
__global__ void smyrf_linear(const float* x, const float* w, const float* bias, int rows, int in, int out, float* y);
__global__ void smyrf_broadcast_rows(const float* row, int rows, int cols, float* out);
__global__ void smyrf_split_heads(const float* x, int B, int len, int heads, int headDim, float* out);
__global__ void smyrf_merge_heads(const float* x, int B, int len, int heads, int headDim, float* out);
}

#endif
