/// Where each output column of a 3×3 convolution sits, precomputed once per spatial shape
/// and batch size so that packing needs no division in the hot loop.
///
/// Columns are the batch's pixels in CNHW order: n = image * H * W + y * W + x.
public final class ConvolutionColumns {
    public let batch: Int
    public let height: Int
    public let width: Int
    public var count: Int { batch * height * width }
    /// y and x of every column.
    let rowOf: [Int32]
    let columnOf: [Int32]
    /// Per 16-column panel and tap (r, s): 0 = every column reads a valid input pixel,
    /// 1 = every column reads padding, 2 = mixed (check each column).
    let panelTapKind: [UInt8]

    public init(batch: Int, height: Int, width: Int) {
        self.batch = batch
        self.height = height
        self.width = width
        let n = batch * height * width
        var rows = [Int32](repeating: 0, count: n)
        var columns = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let pixel = i % (height * width)
            rows[i] = Int32(pixel / width)
            columns[i] = Int32(pixel % width)
        }
        let panels = (n + 15) / 16
        var kinds = [UInt8](repeating: 2, count: panels * 9)
        for panel in 0..<panels {
            for tap in 0..<9 {
                let dy = tap / 3 - 1
                let dx = tap % 3 - 1
                var valid = 0
                var invalid = 0
                for j in 0..<16 {
                    let i = panel * 16 + j
                    if i < n && Self.reads(rows[i], columns[i], dy, dx, height, width) { valid += 1 } else { invalid += 1 }
                }
                if valid == 16 {
                    // Contiguous only if the 16 source pixels are adjacent in memory too.
                    let first = panel * 16
                    let sameRowRun = rows[first] == rows[first + 15] && columns[first + 15] - columns[first] == 15
                    kinds[panel * 9 + tap] = sameRowRun ? 0 : 2
                } else if invalid == 16 {
                    kinds[panel * 9 + tap] = 1
                }
            }
        }
        rowOf = rows
        columnOf = columns
        panelTapKind = kinds
    }

    @inline(__always)
    static func reads(_ y: Int32, _ x: Int32, _ dy: Int, _ dx: Int, _ height: Int, _ width: Int) -> Bool {
        let sy = Int(y) + dy
        let sx = Int(x) + dx
        return sy >= 0 && sy < height && sx >= 0 && sx < width
    }
}

/// 3×3, stride 1, pad 1 convolution as a GEMM: C[Cout × N] = A[Cout × 9·Cin] · B[9·Cin × N],
/// where A is the packed weights (k = c·9 + r·3 + s, PyTorch's OIHW flattening) and B is
/// the implicit im2col of the CNHW input, packed block by block straight from the input.
/// Bias and ReLU are fused into the last store.
public enum ConvolutionGEMM {
    /// Computes the output columns of panels `panelRange` (16 columns each).
    ///
    /// - input: CNHW, `inputChannels` planes of `columnCount` floats (the batch's pixels;
    ///   `columns` may describe a larger batch, whose first `columnCount` columns are used).
    /// - output: CNHW, `weights.rows` planes of `columnCount` floats.
    /// - packBuffer: at least `GEMMBlocking.kc * GEMMBlocking.nc` floats, 64-byte aligned, owned
    ///   by the calling thread.
    public static func run(
        input: UnsafePointer<Float>, inputChannels: Int, columns: ConvolutionColumns, columnCount: Int,
        weights: PackedMatrixA, bias: UnsafePointer<Float>, relu: Bool,
        output: UnsafeMutablePointer<Float>, panelRange: Range<Int>, packBuffer: UnsafeMutablePointer<Float>
    ) {
        precondition(weights.depth == inputChannels * 9, "weights do not match the input channels")
        precondition(columnCount <= columns.count, "column table too small for the batch")
        let n = columnCount
        let mPanels = weights.paddedRows / 6
        let mcPanels = GEMMBlocking.mc / 6
        let ncPanels = GEMMBlocking.nc / 16
        let kBlocks = GEMMBlocking.kBlocks(weights.depth)
        weights.storage.withUnsafePointer { a in
            var jc = panelRange.lowerBound
            while jc < panelRange.upperBound {
                let panels = min(ncPanels, panelRange.upperBound - jc)
                for (blockIndex, (k0, kcp)) in kBlocks.enumerated() {
                    packB(input: input, columns: columns, columnCount: n, k0: k0, kcp: kcp, firstPanel: jc, panels: panels, into: packBuffer)
                    let epilogue = GEMMEpilogue(
                        accumulate: blockIndex > 0, rowBias: blockIndex == 0 ? bias : nil,
                        relu: relu && blockIndex == kBlocks.count - 1)
                    var ic = 0
                    while ic < mPanels {
                        let icEnd = min(ic + mcPanels, mPanels)
                        for q in 0..<panels {
                            let n0 = (jc + q) * 16
                            let b = UnsafePointer(packBuffer + q * 16 * kcp)
                            let validColumns = min(16, n - n0)
                            for i in ic..<icEnd {
                                let m0 = i * 6
                                let aPanel = a + weights.panelOffset(k0: k0, kcp: kcp, panel: i)
                                var local = epilogue
                                if let rowBias = epilogue.rowBias { local.rowBias = rowBias + m0 }
                                let c = output + m0 * n + n0
                                let validRows = min(6, weights.rows - m0)
                                if validRows == 6 && validColumns == 16 {
                                    gemmF32_6x16_simd8(kc: kcp, a: aPanel, b: b, c: c, cRowStride: n, epilogue: local)
                                } else {
                                    gemmF32_6x16_edge(
                                        kc: kcp, a: aPanel, b: b, c: c, cRowStride: n,
                                        rows: validRows, columns: validColumns, epilogue: local)
                                }
                            }
                        }
                        ic = icEnd
                    }
                }
                jc += panels
            }
        }
    }

    /// Packs rows k0..<k0+kcp of the implicit im2col matrix for `panels` 16-column panels
    /// starting at panel `firstPanel`: panel q occupies `kcp * 16` floats at `q * 16 * kcp`.
    @inline(__always)
    static func packB(
        input: UnsafePointer<Float>, columns: ConvolutionColumns, columnCount n: Int, k0: Int, kcp: Int,
        firstPanel: Int, panels: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let width = columns.width
        let height = columns.height
        columns.rowOf.withUnsafeBufferPointer { rowOf in
            columns.columnOf.withUnsafeBufferPointer { columnOf in
                columns.panelTapKind.withUnsafeBufferPointer { kinds in
                    for q in 0..<panels {
                        let panel = firstPanel + q
                        let n0 = panel * 16
                        let destination = out + q * 16 * kcp
                        for kk in 0..<kcp {
                            let k = k0 + kk
                            let channel = k / 9
                            let tap = k - channel * 9
                            let dy = tap / 3 - 1
                            let dx = tap - (tap / 3) * 3 - 1
                            let d = destination + kk * 16
                            switch kinds[panel * 9 + tap] {
                            case 0:
                                // Safe: all 16 source pixels are in range and adjacent.
                                let source = UnsafeRawPointer(input + channel * n + n0 + dy * width + dx)
                                let raw = UnsafeMutableRawPointer(d)
                                raw.storeBytes(of: source.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                                raw.storeBytes(
                                    of: source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self),
                                    toByteOffset: 32, as: SIMD8<Float>.self)
                            case 1:
                                UnsafeMutableRawPointer(d).storeBytes(of: SIMD8<Float>(), as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(d).storeBytes(of: SIMD8<Float>(), toByteOffset: 32, as: SIMD8<Float>.self)
                            default:
                                let plane = input + channel * n
                                for j in 0..<16 {
                                    let i = n0 + j
                                    if i < n && ConvolutionColumns.reads(rowOf[i], columnOf[i], dy, dx, height, width) {
                                        d[j] = plane[i + dy * width + dx]
                                    } else {
                                        d[j] = 0
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
