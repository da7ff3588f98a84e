// The kernels for AVX-512 (F, BW, VL, DQ): 16-float vectors, a 14 × 32 register tile
// (28 accumulators, two B vectors and a broadcast in the 32 zmm registers).
#include "CVGGKernels.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c,bmi,bmi2"))), apply_to = function)
#define VGG_W 16
#define VGG_MR 14
#define VGG_NAME "avx512"
#include "kernels.inc"
#pragma clang attribute pop

const vgg_kernels *vgg_kernels_avx512(void) { return vgg_cpu_has_avx512() ? &kernel_table : NULL; }
#else
const vgg_kernels *vgg_kernels_avx512(void) { return NULL; }
#endif
