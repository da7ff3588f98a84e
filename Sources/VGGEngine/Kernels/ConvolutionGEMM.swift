/// Which input pixels each 16-column panel of a 3×3 convolution may read, precomputed once
/// per spatial shape and batch size.
///
/// Columns are the batch's pixels in CNHW order: n = image · H · W + y · W + x. For a tap
/// (dy, dx), column n reads input index n + dy · W + dx of the channel plane, which is the
/// right pixel whenever the tap is inside the image; bit j of the panel's mask says whether it
/// is for column 16 · panel + j. Packing loads 16 floats in one go and zeroes the lanes whose
/// bit is clear, so image borders cost no branches.
public final class ConvolutionColumns {
    public let batch: Int
    public let height: Int
    public let width: Int
    public var count: Int { batch * height * width }
    /// Per panel and tap (r·3 + s): lanes that read a real input pixel.
    let panelTapMask: [UInt16]
    /// Readable floats needed before and after the input planes (see `AlignedBuffer.padding`).
    public var requiredPadding: Int { width + 32 }

    public init(batch: Int, height: Int, width: Int) {
        self.batch = batch
        self.height = height
        self.width = width
        let n = batch * height * width
        let panels = (n + 15) / 16
        var masks = [UInt16](repeating: 0, count: panels * 9)
        for panel in 0..<panels {
            for tap in 0..<9 {
                let dy = tap / 3 - 1
                let dx = tap % 3 - 1
                var mask: UInt16 = 0
                for j in 0..<16 {
                    let i = panel * 16 + j
                    guard i < n else { continue }
                    let pixel = i % (height * width)
                    let y = pixel / width + dy
                    let x = pixel % width + dx
                    if y >= 0 && y < height && x >= 0 && x < width { mask |= 1 << UInt16(j) }
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
    /// Computes all `columnCount` output columns on `pool`, each thread taking its slice of
    /// the panels with its own buffer from `packBuffers` (one per thread).
    public static func run(
        on pool: ThreadPool, input: AlignedBuffer, inputChannels: Int, columns: ConvolutionColumns, columnCount: Int,
        weights: PackedMatrixA, bias: AlignedBuffer, relu: Bool, output: AlignedBuffer, packBuffers: [AlignedBuffer]
    ) {
        precondition(packBuffers.count >= pool.threadCount, "one pack buffer per thread")
        let panels = (columnCount + 15) / 16
        bias.withUnsafePointer { b in
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        packBuffers[t].withUnsafeMutablePointer { pack in
                            run(input: x, inputChannels: inputChannels, columns: columns, columnCount: columnCount,
                                weights: weights, bias: b, relu: relu, output: y,
                                panelRange: ThreadPool.slice(panels, thread: t, of: threads), packBuffer: pack)
                        }
                    }
                }
            }
        }
    }

    /// Computes the output columns of panels `panelRange` (16 columns each).
    ///
    /// - input: CNHW, `inputChannels` planes of `columnCount` floats (the batch's pixels;
    ///   `columns` may describe a larger batch, whose first `columnCount` columns are used),
    ///   with `columns.requiredPadding` readable floats before and after.
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
        weights.storage.withUnsafePointer { a in
            var jc = panelRange.lowerBound
            while jc < panelRange.upperBound {
                let panels = min(ncPanels, panelRange.upperBound - jc)
                for block in GEMMBlocking.kBlocks(weights.depth) {
                    let k0 = block.start
                    let kcp = block.count
                    packB(input: input, columns: columns, columnCount: n, k0: k0, kcp: kcp, firstPanel: jc, panels: panels, into: packBuffer)
                    let epilogue = GEMMEpilogue(
                        accumulate: block.index > 0, rowBias: block.index == 0 ? bias : nil,
                        relu: relu && block.isLast)
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
                                if validColumns == 16 {
                                    gemmF32_6x16_simd8(kc: kcp, a: aPanel, b: b, c: c, cRowStride: n, rows: validRows, epilogue: local)
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
    /// The input must have `columns.requiredPadding` readable floats around its planes.
    ///
    /// Loops run channel by channel and, within a channel, panel by panel, so the input is
    /// read as three sequential streams per plane (rows y-1, y, y+1) that the hardware
    /// prefetcher follows; panel-major order would touch a new cache line on every load.
    @inline(__always)
    static func packB(
        input: UnsafePointer<Float>, columns: ConvolutionColumns, columnCount n: Int, k0: Int, kcp: Int,
        firstPanel: Int, panels: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let width = columns.width
        let laneShifts = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        columns.panelTapMask.withUnsafeBufferPointer { masks in
            var kk = 0
            while kk < kcp {
                let channel = (k0 + kk) / 9
                let firstTap = (k0 + kk) - channel * 9
                let taps = min(9 - firstTap, kcp - kk)
                let plane = input + channel * n
                for q in 0..<panels {
                    let panel = firstPanel + q
                    let n0 = panel * 16
                    let destination = UnsafeMutableRawPointer(out + q * 16 * kcp + kk * 16)
                    for t in 0..<taps {
                        let tap = firstTap + t
                        let mask = masks[panel * 9 + tap]
                        let d = destination + t * 64
                        if mask == 0 {
                            d.storeBytes(of: SIMD8<Float>(), as: SIMD8<Float>.self)
                            d.storeBytes(of: SIMD8<Float>(), toByteOffset: 32, as: SIMD8<Float>.self)
                            continue
                        }
                        let dy = tap / 3 - 1
                        let dx = tap - (tap / 3) * 3 - 1
                        // Safe: the lanes' indices lie within width + 17 of the batch's planes,
                        // inside the input's padding; lanes outside the image are zeroed below.
                        let source = UnsafeRawPointer(plane + n0 + dy * width + dx)
                        var low = source.loadUnaligned(as: SIMD8<Float>.self)
                        var high = source.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        if mask != 0xFFFF {
                            // All-ones for lanes whose bit is set, zero otherwise, then AND:
                            // plain vector integer ops (a SIMD mask `replace` would go lane by lane).
                            let keepLow = 0 &- ((SIMD8<UInt32>(repeating: UInt32(mask)) &>> laneShifts) & 1)
                            let keepHigh = 0 &- ((SIMD8<UInt32>(repeating: UInt32(mask >> 8)) &>> laneShifts) & 1)
                            low = unsafeBitCast(unsafeBitCast(low, to: SIMD8<UInt32>.self) & keepLow, to: SIMD8<Float>.self)
                            high = unsafeBitCast(unsafeBitCast(high, to: SIMD8<UInt32>.self) & keepHigh, to: SIMD8<Float>.self)
                        }
                        d.storeBytes(of: low, as: SIMD8<Float>.self)
                        d.storeBytes(of: high, toByteOffset: 32, as: SIMD8<Float>.self)
                    }
                }
                kk += taps
            }
        }
    }
}
