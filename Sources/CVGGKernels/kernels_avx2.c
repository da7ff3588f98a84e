// The kernels for AVX2 with FMA and F16C: 8-float vectors, a 6 × 16 register tile (12
// accumulators, two B vectors and a broadcast in the 16 ymm registers).
#include "CVGGKernels.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,bmi,bmi2"))), apply_to = function)
#define VGG_W 8
#define VGG_MR 6
#define VGG_NAME "avx2"
#include "kernels.inc"
#pragma clang attribute pop

const vgg_kernels *vgg_kernels_avx2(void) { return vgg_cpu_has_avx2_fma() ? &kernel_table : NULL; }
#else
const vgg_kernels *vgg_kernels_avx2(void) { return NULL; }
#endif
