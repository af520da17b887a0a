// smyrf_device.cuh: small device-side definitions every kernel family shares.
// Under the CPU emulation (src/test/cpp/cuda_emu.h, included first) the macros below already
// exist and keep their emulated meaning.
#ifndef SMYRF_DEVICE_CUH
#define SMYRF_DEVICE_CUH

#include "smyrf_geometry.h"

#ifndef SMYRF_DYNAMIC_SHARED
// The block's dynamic shared memory as a `type*` named `name`, 16-byte aligned.
#define SMYRF_DYNAMIC_SHARED(type, name)                                   \
    extern __shared__ __align__(16) unsigned char smyrf_dynamic_shared_[]; \
    type* name = reinterpret_cast<type*>(smyrf_dynamic_shared_)
#endif

typedef unsigned long long smyrf_u64;
typedef unsigned char smyrf_u8;

// Sort key of a token that sorts last: an invalid token or a placeholder (docs/kernels.md).
#define SMYRF_TOP_LAST 0xFFFFFFFFu

#endif
