// The AVX-512 kernels with AVX512_BF16 (Zen 4 and later, Cooper Lake, Sapphire Rapids):
// the same float kernels as kernels_avx512.c, and the bfloat16 GEMM on vdpbf16ps (two
// multiply-adds per float lane, twice a float FMA's) with conversions on vcvtneps2bf16.
#include "CVGGKernels.h"

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c,bmi,bmi2"))), apply_to = function)
#define VGG_W 16
#define VGG_MR 14
#define VGG_NAME "avx512-bf16"
#define VGG_BF16_NATIVE 1
#include "kernels.inc"
#pragma clang attribute pop

const vgg_kernels *vgg_kernels_avx512_bf16(void) { return vgg_cpu_has_avx512_bf16() ? &kernel_table : NULL; }
#else
const vgg_kernels *vgg_kernels_avx512_bf16(void) { return NULL; }
#endif
