import CVGGKernels

/// The kernels, called through the set's table. Each states its layout here; the loops
/// themselves, with the same contracts, are in `CVGGKernels/kernels.inc`.
extension KernelSet {
    /// C[rows × columns] = epilogue(C, A[rows × kc] · B[kc × nr]) for one B micro-panel, mr
    /// rows (one register tile) at a time; only `rows` rows are computed.
    ///
    /// - a: packed A micro-panels of mr rows, one after another, k-major: element (i, k) at
    ///   `a[(i / mr) * mr * kc + k * mr + i % mr]`.
    /// - b: packed B micro-panel, k-major: element (k, j) at `b[k * nr + j]`.
    /// - c: row i at `c + i * ldc`; only rows × columns (columns 1...nr) floats are touched.
    ///   A row bias is read for each of the `rows` rows.
    /// The first K block writes bias + A·B, later blocks add A·B; ReLU is applied last. The
    /// summation order depends only on kc, never on threads or the batch.
    @inline(__always)
    public func gemmPacked(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
        rows: Int, columns: Int, epilogue: GEMMEpilogue
    ) {
        var e = vgg_epilogue(
            accumulate: epilogue.accumulate ? 1 : 0, row_bias: epilogue.rowBias, column_bias: epilogue.columnBias,
            relu: epilogue.relu ? 1 : 0)
        table.pointee.gemm_packed(kc, a, b, c, ldc, Int32(rows), Int32(columns), &e)
    }

    /// `gemmPacked` with B stored as IEEE halves in the same layout, widened as it is loaded
    /// (F16C on x86-64 above the baseline): half-precision weights stream at half the bytes.
    @inline(__always)
    public func gemmPackedHalf(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<UInt16>, c: UnsafeMutablePointer<Float>, ldc: Int,
        rows: Int, columns: Int, epilogue: GEMMEpilogue
    ) {
        var e = vgg_epilogue(
            accumulate: epilogue.accumulate ? 1 : 0, row_bias: epilogue.rowBias, column_bias: epilogue.columnBias,
            relu: epilogue.relu ? 1 : 0)
        table.pointee.gemm_packed_half(kc, a, b, c, ldc, Int32(rows), Int32(columns), &e)
    }

    /// C[rows × nr] = A[rows × k] · B[k × nr], overwriting C, with A read in place (row i at
    /// `a + i * lda`, rows 1...mr) and the whole reduction in registers: each row of C
    /// depends only on its own row of A. B is a packed micro-panel (`b[k * nr + j]`).
    @inline(__always)
    public func gemmRows(
        k: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        table.pointee.gemm_rows(k, a, lda, Int32(rows), b, c, ldc)
    }

    /// `gemmRows` with B (the transformed weights) stored as IEEE halves in the same layout,
    /// widened to float as it is loaded.
    @inline(__always)
    public func gemmRowsHalf(
        k: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<UInt16>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        table.pointee.gemm_rows_half(k, a, lda, Int32(rows), b, c, ldc)
    }

    /// `gemmRows` in bfloat16: C[rows × nr] = A[rows × 2·pairs] · B[2·pairs × nr], overwriting
    /// C, float sums. A's rows are bfloat16 in place (row i at `a + i * lda`, lda even); B is a
    /// panel of pairs, `b[p * nr + j]` holding B[2p][j] in its low 16 bits and B[2p + 1][j].
    @inline(__always)
    public func gemmRowsBF16(
        pairs: Int, a: UnsafePointer<UInt16>, lda: Int, rows: Int, b: UnsafePointer<UInt32>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        table.pointee.gemm_rows_bf16(pairs, a, lda, Int32(rows), b, c, ldc)
    }

    /// `winogradInput` writing bfloat16 values (rounded to nearest, ties to even); `vStride`
    /// in values.
    @inline(__always)
    public func winogradInputBF16(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int, image: Int, y0: Int, x0: Int,
        v: UnsafeMutablePointer<UInt16>, vStride: Int
    ) {
        table.pointee.winograd_input_bf16(input, batch, height, width, channels, image, y0, x0, v, vStride)
    }

    /// `count` floats (a multiple of `lanes`) rounded to the nearest bfloat16, ties to even.
    @inline(__always)
    public func narrowBF16(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutablePointer<UInt16>) {
        table.pointee.narrow_bf16(source, count, destination)
    }

    /// A 3×3 convolution with few input channels (`SmallInputConvolution`): output rows
    /// `rows` of the batch (row = image · height + y) from images one after another (C × H × W
    /// each) into the blocked layout (`blocks` channel blocks), with bias and ReLU. Weights:
    /// per nr-channel panel, C·9 taps of nr floats; scratch: 3·C·(width + 2) floats.
    @inline(__always)
    public func convolution3x3SmallInput(
        images: UnsafePointer<Float>, channels: Int, batch: Int, height: Int, width: Int, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, panels: Int, blocks: Int, rows: Range<Int>, scratch: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        table.pointee.conv3x3_small_input(
            images, channels, batch, height, width, weights, bias, panels, blocks, rows.lowerBound, rows.upperBound, scratch, output)
    }

    /// Winograd F(4×4, 3×3) input transform V = Bᵀ d B of the tile whose 6×6 patch starts at
    /// (y0, x0) of `image` (zero outside the image), for every channel block.
    /// - input: blocked layout with `channels` (a multiple of `lanes`) channels.
    /// - v: position ξ = 6·row + column goes to `v + ξ * vStride`, channels contiguous.
    @inline(__always)
    public func winogradInput(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int, image: Int, y0: Int, x0: Int,
        v: UnsafeMutablePointer<Float>, vStride: Int
    ) {
        table.pointee.winograd_input(input, batch, height, width, channels, image, y0, x0, v, vStride)
    }

    /// Winograd output transform Y = Aᵀ M A of one tile, plus bias and ReLU, and with `pool`
    /// the 2×2 max-pool of the 4×4 result, for channel blocks `blocks`.
    /// - m: position ξ at `m + ξ * mStride`, output channels contiguous.
    /// - output: blocked layout of the (pooled) output size; outputs past its edge are not written.
    @inline(__always)
    public func winogradOutput(
        _ m: UnsafePointer<Float>, mStride: Int, bias: UnsafePointer<Float>, blocks: Range<Int>, batch: Int,
        outputHeight: Int, outputWidth: Int, pool: Bool, tileRow: Int, tileColumn: Int, image: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        table.pointee.winograd_output(
            m, mStride, bias, blocks.lowerBound, blocks.upperBound, batch, outputHeight, outputWidth, pool ? 1 : 0,
            tileRow, tileColumn, image, output)
    }

    /// Rows k0..<k0+kcp of a 3×3 convolution's implicit im2col matrix (k = c·9 + r·3 + s) for
    /// `panels` nr-column panels from `firstPanel`, panel q at `out + q * nr * kcp`, lanes
    /// outside the image zeroed by `masks` (see `ConvolutionColumns`). The CNHW input needs
    /// `width + 2 * nr` readable floats around its planes of `n` pixels.
    @inline(__always)
    public func packConvolution3x3(
        input: UnsafePointer<Float>, masks: UnsafePointer<UInt32>, width: Int, n: Int, k0: Int, kcp: Int,
        firstPanel: Int, panels: Int, into out: UnsafeMutablePointer<Float>
    ) {
        table.pointee.pack_conv3x3(input, masks, width, n, k0, kcp, firstPanel, panels, out)
    }


    /// `count` floats (a multiple of `lanes`) rounded to the nearest IEEE halves.
    @inline(__always)
    public func narrowHalves(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutablePointer<UInt16>) {
        table.pointee.narrow_half(source, count, destination)
    }

    /// The search kernels of the same instruction set.
    public var search: SearchKernels { SearchKernels(table: table) }
}

/// The search's innermost loops (dot products, distances, int8 code scores, the pair scan),
/// from one `KernelSet`'s table, with the contracts of `kernels.inc`.
public struct SearchKernels: @unchecked Sendable {
    let table: UnsafePointer<vgg_kernels>

    /// Σ a[i]·b[i] of floats, summed in Double (the products are exact there) in a fixed
    /// order: the same on every set.
    @inline(__always)
    public func dotF32AccumulateF64(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        table.pointee.dot_f32_f64(a, b, count)
    }

    /// ‖v − w‖ of floats, each difference and square in Double.
    @inline(__always)
    public func distanceF32AccumulateF64(_ v: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count: Int) -> Double {
        table.pointee.distance2_f32_f64(v, w, count).squareRoot()
    }

    /// scores[row] = scales[row] · (query · codes[row]) for `rows` of an int8 matrix
    /// (row-major, `dimension` bytes a row), the dot in Float over 32 lanes.
    @inline(__always)
    public func codeScoresI8(
        query: UnsafePointer<Float>, codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, dimension: Int,
        rows: Range<Int>, scores: UnsafeMutablePointer<Float>
    ) {
        table.pointee.code_scores_i8(query, codes, scales, dimension, rows.lowerBound, rows.upperBound, scores)
    }

    /// Σ a[i]·b[i] of doubles in a fixed order.
    @inline(__always)
    public func dotF64(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        table.pointee.dot_f64(a, b, count)
    }

    /// y[range] += alpha · x[range], in groups of four from `range.lowerBound` (a multiple of 4).
    @inline(__always)
    public func axpyF64(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, range: Range<Int>) {
        table.pointee.axpy_f64(alpha, x, y, range.lowerBound, range.upperBound)
    }

    /// The j in `columns` with scores[j] + rho · residuals[j] ≥ limit, written to `hits` in
    /// order (room for `columns.count`); returns how many.
    @inline(__always)
    public func thresholdScan(
        scores: UnsafePointer<Float>, residuals: UnsafePointer<Float>, rho: Float, limit: Float, columns: Range<Int>,
        hits: UnsafeMutablePointer<Int32>
    ) -> Int {
        table.pointee.threshold_scan(scores, residuals, rho, limit, columns.lowerBound, columns.upperBound, hits)
    }
}
