// The kernels for any CPU: 4-float vectors (SSE2 on x86-64, NEON on arm64) and a 6 × 8
// register tile, compiled for the baseline, so nothing executes an instruction the CPU
// lacks. Slow, but correct everywhere.
#include "CVGGKernels.h"

#define VGG_W 4
#define VGG_MR 6
#define VGG_NAME "portable"
#include "kernels.inc"

const vgg_kernels *vgg_kernels_portable(void) { return &kernel_table; }
