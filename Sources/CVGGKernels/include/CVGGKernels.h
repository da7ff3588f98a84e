// The engine's and the search's innermost loops, once per instruction set.
//
// Swift has no per-function target attribute: a Swift module is compiled for one CPU level
// and needs unsafe compiler flags to get anything above the x86-64 baseline, which would
// also make the library products unusable as a versioned dependency. These loops are
// therefore C, written once (kernels.inc) over GCC vector types of W floats and compiled
// four times with clang target attributes: AVX-512 (W = 16), AVX2 + FMA (W = 8), the same
// 16-lane code for AVX2 (so a machine without AVX-512 tests the wide kernels' logic), and a
// portable build for the baseline (W = 4; SSE2 on x86-64, NEON on arm64). Everything else,
// here and in Swift, is built for the baseline, and Swift picks a table at run time from
// what the CPU (and the operating system) supports.
//
// Layouts follow the table's widths: activations in blocks of `lanes` channels, GEMM tiles
// of `mr` rows × `nr` columns (nr = 2 · lanes), A micro-panels k-major (a[k·mr + i]), B
// micro-panels k-major (b[k·nr + j]), aligned to 64 bytes. No kernel allocates, locks or
// fails; each one's contract is in kernels.inc.

#ifndef CVGGKERNELS_H
#define CVGGKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How a GEMM microkernel combines its product with C.
typedef struct {
    /// Add to C (later K blocks) instead of overwriting it (the first K block).
    int accumulate;
    /// Added on the first K block: one value per C row (`rows` of them), or per C column.
    const float *row_bias;
    const float *column_bias;
    /// Clamp at zero after adding (the last K block).
    int relu;
} vgg_epilogue;

/// One instruction set's kernels.
typedef struct {
    /// "avx512", "avx2", "avx512-on-avx2", "portable".
    const char *name;
    /// Floats per vector: the channel block of the Winograd layout.
    int lanes;
    /// GEMM register tile.
    int mr;
    int nr;

    /// C[rows × columns] = epilogue(C, A[rows × kc] · B[kc × nr]), columns ≤ nr, any rows;
    /// A packed micro-panels of mr rows one after another, B one packed micro-panel; C
    /// row-major with `ldc` floats per row.
    void (*gemm_packed)(long kc, const float *a, const float *b, float *c, long ldc, int rows, int columns,
                        const vgg_epilogue *epilogue);
    /// `gemm_packed` with B as IEEE halves in the same layout, widened as loaded.
    void (*gemm_packed_half)(long kc, const float *a, const uint16_t *b, float *c, long ldc, int rows, int columns,
                             const vgg_epilogue *epilogue);
    /// C[rows × nr] = A[rows × k] · B[k × nr], rows ≤ mr, A read in place (row i at a + i·lda),
    /// the whole reduction in registers; C row-major with `ldc` floats per row.
    void (*gemm_rows)(long k, const float *a, long lda, int rows, const float *b, float *c, long ldc);
    /// Winograd F(4×4, 3×3) input transform of one tile (see kernels.inc).
    void (*winograd_input)(const float *input, long batch, long height, long width, long channels, long image, long y0,
                           long x0, float *v, long v_stride);
    /// Winograd output transform of one tile with bias, ReLU and the optional 2×2 pool.
    void (*winograd_output)(const float *m, long m_stride, const float *bias, long block_begin, long block_end,
                            long batch, long out_height, long out_width, int pool, long ty, long tx, long image,
                            float *output);
    /// Implicit-im2col packing of a 3×3 convolution's B (see kernels.inc).
    void (*pack_conv3x3)(const float *input, const uint32_t *masks, long width, long n, long k0, long kcp,
                         long first_panel, long panels, float *out);
    /// `count` floats (a multiple of `lanes`) rounded to the nearest IEEE halves.
    void (*narrow_half)(const float *source, long count, uint16_t *destination);
    /// Σ a[i]·b[i] of floats, summed in Double in a fixed order.
    double (*dot_f32_f64)(const float *a, const float *b, long count);
    /// Σ (v[i] − w[i])² of floats, in Double in a fixed order.
    double (*distance2_f32_f64)(const float *v, const float *w, long count);
    /// scores[row] = scales[row] · (query · codes[row]) for rows row_begin..<row_end.
    void (*code_scores_i8)(const float *query, const int8_t *codes, const float *scales, long dimension,
                           long row_begin, long row_end, float *scores);
    /// Σ a[i]·b[i] of doubles in a fixed order.
    double (*dot_f64)(const double *a, const double *b, long count);
    /// y[i] += alpha · x[i] for i in begin..<end (begin a multiple of 4).
    void (*axpy_f64)(double alpha, const double *x, double *y, long begin, long end);
    /// The j in begin..<end with scores[j] + rho · residuals[j] ≥ limit, written to `hits`
    /// in order; returns how many.
    long (*threshold_scan)(const float *scores, const float *residuals, float rho, float limit, long begin, long end,
                           int32_t *hits);

    /// Whether the bfloat16 kernels below run on the CPU's own bfloat16 dot products
    /// (AVX512_BF16) rather than widening each value to float (same layouts, same rounding of
    /// the inputs; the sums may differ in the last bit).
    int bf16_native;
    /// `gemm_rows` in bfloat16: C[rows × nr] = A[rows × 2·pairs] · B[2·pairs × nr], A rows of
    /// bfloat16 in place (row i at a + i·lda), B a panel of 32-bit pairs (b[p·nr + j] holds
    /// B[2p][j] in its low half and B[2p + 1][j]); float sums.
    void (*gemm_rows_bf16)(long pairs, const uint16_t *a, long lda, int rows, const uint32_t *b, float *c, long ldc);
    /// `winograd_input` writing bfloat16 (rounded to nearest, ties to even); v_stride in values.
    void (*winograd_input_bf16)(const float *input, long batch, long height, long width, long channels, long image,
                                long y0, long x0, uint16_t *v, long v_stride);
    /// `count` floats (a multiple of `lanes`) rounded to the nearest bfloat16.
    void (*narrow_bf16)(const float *source, long count, uint16_t *destination);
    /// A 3×3 convolution with few input channels (conv1_1's 3) read from images one after
    /// another (C × H × W each) and written with bias and ReLU into the blocked layout, for
    /// output rows row_begin..<row_end of the batch (see kernels.inc).
    void (*conv3x3_small_input)(const float *images, long channels, long batch, long height, long width,
                                const float *weights, const float *bias, long panels, long blocks, long row_begin,
                                long row_end, float *scratch, float *output);
    /// `gemm_rows` with B as IEEE halves in the same layout, widened as loaded.
    void (*gemm_rows_half)(long k, const float *a, long lda, int rows, const uint16_t *b, float *c, long ldc);
} vgg_kernels;

/// The tables. A table the machine cannot run (no AVX-512, or not x86-64) is NULL.
const vgg_kernels *vgg_kernels_avx512(void);
const vgg_kernels *vgg_kernels_avx2(void);
const vgg_kernels *vgg_kernels_avx512_on_avx2(void);
/// AVX-512 with AVX512_BF16: the avx512 kernels, and bfloat16 GEMMs on vdpbf16ps.
const vgg_kernels *vgg_kernels_avx512_bf16(void);
const vgg_kernels *vgg_kernels_portable(void);

/// What this CPU and operating system can run: CPUID feature bits checked together with
/// XGETBV (the OS must save the vector registers), so a flag the OS does not enable counts
/// as absent.
int vgg_cpu_has_avx2_fma(void);
int vgg_cpu_has_avx512(void);
/// AVX-512 (as above) with AVX512_BF16.
int vgg_cpu_has_avx512_bf16(void);
/// The CPU's brand string (x86-64) or "" (elsewhere), for reports.
const char *vgg_cpu_name(void);

#ifdef __cplusplus
}
#endif

#endif
