// The AVX-512 kernels' code (16-float vectors, 14 × 32 tile) compiled for AVX2: the
// compiler splits every 512-bit operation in two and spills what does not fit in 16 ymm
// registers. Slow, and never chosen by default: it lets a machine without AVX-512 test the
// wide kernels' tiles, edges and packing.
#include "CVGGKernels.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,bmi,bmi2"))), apply_to = function)
#define VGG_W 16
#define VGG_MR 14
#define VGG_NAME "avx512-on-avx2"
#include "kernels.inc"
#pragma clang attribute pop

const vgg_kernels *vgg_kernels_avx512_on_avx2(void) { return vgg_cpu_has_avx2_fma() ? &kernel_table : NULL; }
#else
const vgg_kernels *vgg_kernels_avx512_on_avx2(void) { return NULL; }
#endif
