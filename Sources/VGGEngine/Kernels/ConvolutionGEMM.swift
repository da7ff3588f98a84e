/// Which input pixels each nr-column panel of a 3×3 convolution may read, precomputed once
/// per spatial shape, batch size and panel width.
///
/// Columns are the batch's pixels in CNHW order: n = image · H · W + y · W + x. For a tap
/// (dy, dx), column n reads input index n + dy · W + dx of the channel plane, which is the
/// right pixel whenever the tap is inside the image; bit j of the panel's mask says whether it
/// is for column nr · panel + j. Packing loads nr floats in one go and zeroes the lanes whose
/// bit is clear, so image borders cost no branches.
public final class ConvolutionColumns {
    public let batch: Int
    public let height: Int
    public let width: Int
    /// Columns per panel: the kernel set's `nr` (at most 32).
    public let nr: Int
    public var count: Int { batch * height * width }
    /// Per panel and tap (r·3 + s): lanes that read a real input pixel.
    let panelTapMask: [UInt32]
    /// Readable floats needed before and after the input planes (see `AlignedBuffer.padding`).
    public var requiredPadding: Int { width + 2 * nr }

    public init(batch: Int, height: Int, width: Int, nr: Int) {
        precondition(nr >= 1 && nr <= 32, "panels of 1 to 32 columns")
        self.batch = batch
        self.height = height
        self.width = width
        self.nr = nr
        let n = batch * height * width
        let panels = (n + nr - 1) / nr
        var masks = [UInt32](repeating: 0, count: panels * 9)
        for panel in 0..<panels {
            for tap in 0..<9 {
                let dy = tap / 3 - 1
                let dx = tap % 3 - 1
                var mask: UInt32 = 0
                for j in 0..<nr {
                    let i = panel * nr + j
                    guard i < n else { continue }
                    let pixel = i % (height * width)
                    let y = pixel / width + dy
                    let x = pixel % width + dx
                    if y >= 0 && y < height && x >= 0 && x < width { mask |= 1 << UInt32(j) }
                }
                masks[panel * 9 + tap] = mask
            }
        }
        panelTapMask = masks
    }
}

/// 3×3, stride 1, pad 1 convolution as a GEMM: C[Cout × N] = A[Cout × 9·Cin] · B[9·Cin × N],
/// where A is the packed weights (k = c·9 + r·3 + s, PyTorch's OIHW flattening) and B is
/// the implicit im2col of the CNHW input, packed block by block straight from the input.
/// Bias and ReLU are fused into the last store.
public enum ConvolutionGEMM {
    /// Floats of pack buffer one thread needs: a KC × NC block of B.
    public static let packCount = GEMMBlocking.kc * GEMMBlocking.nc

    /// Computes all `columnCount` output columns on `pool`, each thread taking its slice of
    /// the panels with its own buffer from `packBuffers` (one per thread).
    public static func run(
        on pool: ThreadPool, input: AlignedBuffer, inputChannels: Int, columns: ConvolutionColumns, columnCount: Int,
        weights: PackedMatrixA, bias: AlignedBuffer, relu: Bool, output: AlignedBuffer, packBuffers: [AlignedBuffer],
        kernels: KernelSet
    ) {
        precondition(packBuffers.count >= pool.threadCount, "one pack buffer per thread")
        let panels = (columnCount + kernels.nr - 1) / kernels.nr
        bias.withUnsafePointer { b in
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        packBuffers[t].withUnsafeMutablePointer { pack in
                            run(input: x, inputChannels: inputChannels, columns: columns, columnCount: columnCount,
                                weights: weights, bias: b, relu: relu, output: y,
                                panelRange: ThreadPool.slice(panels, thread: t, of: threads), packBuffer: pack, kernels: kernels)
                        }
                    }
                }
            }
        }
    }

    /// Computes the output columns of panels `panelRange` (nr columns each).
    ///
    /// - input: CNHW, `inputChannels` planes of `columnCount` floats (the batch's pixels;
    ///   `columns` may describe a larger batch, whose first `columnCount` columns are used),
    ///   with `columns.requiredPadding` readable floats before and after.
    /// - output: CNHW, `weights.rows` planes of `columnCount` floats.
    /// - packBuffer: `packCount` floats, 64-byte aligned, owned by the calling thread.
    /// - kernels: the set `weights` and `columns` were made for.
    public static func run(
        input: UnsafePointer<Float>, inputChannels: Int, columns: ConvolutionColumns, columnCount: Int,
        weights: PackedMatrixA, bias: UnsafePointer<Float>, relu: Bool,
        output: UnsafeMutablePointer<Float>, panelRange: Range<Int>, packBuffer: UnsafeMutablePointer<Float>,
        kernels: KernelSet
    ) {
        precondition(weights.depth == inputChannels * 9, "weights do not match the input channels")
        precondition(columnCount <= columns.count, "column table too small for the batch")
        precondition(weights.mr == kernels.mr && columns.nr == kernels.nr, "packed for another kernel set")
        let n = columnCount
        let mr = kernels.mr
        let nr = kernels.nr
        let mPanels = weights.paddedRows / mr
        let mcPanels = GEMMBlocking.mc(mr: mr) / mr
        let ncPanels = GEMMBlocking.nc / nr
        weights.storage.withUnsafePointer { a in
            columns.panelTapMask.withUnsafeBufferPointer { masks in
                guard let masks = masks.baseAddress else { return }
                var jc = panelRange.lowerBound
                while jc < panelRange.upperBound {
                    let panels = min(ncPanels, panelRange.upperBound - jc)
                    for block in GEMMBlocking.kBlocks(weights.depth) {
                        let k0 = block.start
                        let kcp = block.count
                        kernels.packConvolution3x3(
                            input: input + 0, masks: masks, width: columns.width, n: n, k0: k0, kcp: kcp,
                            firstPanel: jc, panels: panels, into: packBuffer)
                        let epilogue = GEMMEpilogue(
                            accumulate: block.index > 0, rowBias: block.index == 0 ? bias : nil,
                            relu: relu && block.isLast)
                        var ic = 0
                        while ic < mPanels {
                            let icEnd = min(ic + mcPanels, mPanels)
                            let m0 = ic * mr
                            var local = epilogue
                            if let rowBias = epilogue.rowBias { local.rowBias = rowBias + m0 }
                            for q in 0..<panels {
                                let n0 = (jc + q) * nr
                                kernels.gemmPacked(
                                    kc: kcp, a: a + weights.panelOffset(k0: k0, kcp: kcp, panel: ic),
                                    b: UnsafePointer(packBuffer + q * nr * kcp), c: output + m0 * n + n0, ldc: n,
                                    rows: min(icEnd * mr, weights.rows) - m0, columns: min(nr, n - n0), epilogue: local)
                            }
                            ic = icEnd
                        }
                    }
                    jc += panels
                }
            }
        }
    }
}
