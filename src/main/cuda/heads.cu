// heads.cu: the attention layer's moves between the model layout (B, len, heads*headDim), head hh
// in columns [hh*headDim, (hh+1)*headDim), and the attention layout (B*heads, len, headDim), batch
// row b*heads + hh: PyTorch's view(B, len, heads, headDim).transpose(1, 2) and back. Pure copies,
// so the device layer keeps every step on the GPU (docs/kernels.md, "Layer").
//
// smyrf_split_heads
//   x (B, len, heads*headDim) -> out (B*heads, len, headDim).
// smyrf_merge_heads
//   x (B*heads, len, headDim) -> out (B, len, heads*headDim); the inverse of the split.
//
// Both: grid ceil(B*len*heads*headDim / ELEMENTWISE_THREADS) x ELEMENTWISE_THREADS, thread i
// writes output element i (writes coalesced; reads are runs of headDim floats). Indices in
// size_t: the element count may pass 2^31 / headDim.
//
// Versions: 1 (this) one element per thread.
#include "smyrf_device.cuh"

extern "C" __global__ void __launch_bounds__(SMYRF_ELEMENTWISE_THREADS)
smyrf_split_heads(const float* __restrict__ x, int B, int len, int heads, int headDim, float* __restrict__ out) {
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    const size_t total = (size_t)B * len * heads * headDim;
    if (i >= total) {
        return;
    }
    const size_t j = i % headDim;
    const size_t n = (i / headDim) % len;
    const size_t bh = i / ((size_t)headDim * len);
    const size_t b = bh / heads;
    const size_t hh = bh % heads;
    out[i] = x[(b * len + n) * heads * headDim + hh * headDim + j];
}

extern "C" __global__ void __launch_bounds__(SMYRF_ELEMENTWISE_THREADS)
smyrf_merge_heads(const float* __restrict__ x, int B, int len, int heads, int headDim, float* __restrict__ out) {
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    const size_t modelDim = (size_t)heads * headDim;
    const size_t total = (size_t)B * len * modelDim;
    if (i >= total) {
        return;
    }
    const size_t c = i % modelDim;
    const size_t n = (i / modelDim) % len;
    const size_t b = i / (modelDim * len);
    out[i] = x[((b * heads + c / headDim) * len + n) * headDim + c % headDim];
}
