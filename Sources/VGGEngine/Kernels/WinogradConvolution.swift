/// 3×3, stride 1, pad 1 convolution by Winograd F(4×4, 3×3) (Lavin & Gray, points 0, ±1,
/// ±2, ∞), on the channel-blocked layout.
///
/// Each 4×4 block of outputs ("tile") comes from the 6×6 input patch around it:
/// `Y = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d B) ] A`. The 36 element-wise products summed over input
/// channels are 36 independent GEMMs, `M_ξ[tiles × K] = V_ξ[tiles × C] · U_ξ[C × K]`, which
/// need 36·C·K multiplies per tile against 144·C·K for direct convolution: 4× fewer.
///
/// Work is split by tiles: each thread takes a contiguous range of the batch's tiles and
/// walks it in chunks of `chunkTiles`, doing for each chunk the input transform (into V),
/// the 36 GEMMs (into M) and the output transform with bias, ReLU and, when asked, the
/// following 2×2 max-pool, all in buffers that stay in its caches. Each output depends only
/// on its own tile, so results never depend on the batch, the chunking or the threads.
public enum WinogradConvolution {
    /// Tiles per chunk: a multiple of the microkernel's 6 rows. 96 tiles make each pass over a
    /// position's weights (C × K floats, up to 1 MiB) do 96 multiply-adds per weight loaded,
    /// while V and M (36 × 96 × 512 floats each at most, 7 MiB) stay in L2 and L3.
    public static let chunkTiles = 96

    /// Floats of scratch one thread needs for layers of up to `inputChannels` and
    /// `outputChannels` channels: V and M for one chunk, and two 6×6 tiles of vectors.
    public static func scratchCount(inputChannels: Int, outputChannels: Int) -> Int {
        let cin = BlockedLayout.paddedChannels(inputChannels)
        let cout = GEMMBlocking.roundUp(outputChannels, to: 16)
        return 36 * chunkTiles * (cin + cout) + 2 * 36 * 8
    }

    /// The geometry of one layer over one batch.
    public struct Shape {
        public var batch: Int
        public var height: Int
        public var width: Int
        /// Fuse the 2×2, stride-2 max-pool that follows the convolution.
        public var pool: Bool

        public init(batch: Int, height: Int, width: Int, pool: Bool) {
            self.batch = batch
            self.height = height
            self.width = width
            self.pool = pool
        }

        public var tilesDown: Int { (height + 3) / 4 }
        public var tilesAcross: Int { (width + 3) / 4 }
        public var tilesPerImage: Int { tilesDown * tilesAcross }
        public var tiles: Int { batch * tilesPerImage }
        public var outputHeight: Int { pool ? height / 2 : height }
        public var outputWidth: Int { pool ? width / 2 : width }

        /// The image of tile `index` and its place there, in tiles down and across.
        @inline(__always)
        func position(ofTile index: Int) -> (image: Int, row: Int, column: Int) {
            let image = index / tilesPerImage
            let inImage = index - image * tilesPerImage
            let row = inImage / tilesAcross
            return (image, row, inImage - row * tilesAcross)
        }
    }

    /// Computes the whole batch on `pool`: each thread takes its slice of the tiles, with
    /// its own buffer from `scratch` (one per thread).
    public static func run(
        on pool: ThreadPool, input: AlignedBuffer, weights: WinogradWeights, bias: AlignedBuffer, shape: Shape,
        output: AlignedBuffer, scratch: [AlignedBuffer]
    ) {
        precondition(scratch.count >= pool.threadCount, "one scratch buffer per thread")
        let panels = weights.paddedOutputChannels / 16
        // Few tiles (conv4 and conv5 at small batches): split the output channels instead, so
        // each thread streams only its share of the transformed weights rather than all of
        // them for a handful of tiles. Every output is computed the same way either way.
        let byChannels = pool.threadCount > 1 && shape.tiles < pool.threadCount * chunkTiles / 2 && panels >= pool.threadCount
        bias.withUnsafePointer { b in
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        scratch[t].withUnsafeMutablePointer { s in
                            if byChannels {
                                run(input: x, weights: weights, bias: b, shape: shape, output: y, tileRange: 0..<shape.tiles,
                                    panelRange: ThreadPool.slice(panels, thread: t, of: threads), scratch: s)
                            } else {
                                run(input: x, weights: weights, bias: b, shape: shape, output: y,
                                    tileRange: ThreadPool.slice(shape.tiles, thread: t, of: threads), panelRange: 0..<panels, scratch: s)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Computes the tiles `tileRange` of the batch, for the output channels of the 16-channel
    /// panels `panelRange`.
    ///
    /// - input: blocked layout, `weights.paddedInputChannels` channels, `shape` pixels.
    /// - output: blocked layout, `weights.paddedOutputChannels8` channels, the output shape.
    /// - scratch: `scratchCount(...)` floats, 64-byte aligned, owned by the calling thread.
    public static func run(
        input: UnsafePointer<Float>, weights: WinogradWeights, bias: UnsafePointer<Float>, shape: Shape,
        output: UnsafeMutablePointer<Float>, tileRange: Range<Int>, panelRange: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let cin = weights.paddedInputChannels
        let cout = weights.paddedOutputChannels
        let v = scratch
        let m = scratch + 36 * chunkTiles * cin
        let tile6x6 = m + 36 * chunkTiles * cout
        let rows4x6 = tile6x6 + 36 * 8
        weights.storage.withUnsafePointer { u in
            var first = tileRange.lowerBound
            while first < tileRange.upperBound {
                let count = min(chunkTiles, tileRange.upperBound - first)
                for t in 0..<count {
                    transformInput(input, shape: shape, channels: cin, tile: first + t, v: v + t * cin, vStride: chunkTiles * cin, scratch: tile6x6)
                }
                let rowBlocks = (count + 5) / 6
                // The 8-channel blocks of these panels that hold real (or zero-padded) channels.
                let blocks = (panelRange.lowerBound * 2)..<min(panelRange.upperBound * 2, weights.paddedOutputChannels8 / 8)
                for position in 0..<36 {
                    let a = v + position * chunkTiles * cin
                    let c = m + position * chunkTiles * cout
                    for panel in panelRange {
                        let b = u + weights.panelOffset(position: position, panel: panel)
                        for block in 0..<rowBlocks {
                            gemmF32_6x16_rowsA(
                                k: cin, a: a + block * 6 * cin, lda: cin, b: b,
                                c: c + block * 6 * cout + panel * 16, cRowStride: cout)
                        }
                    }
                }
                for t in 0..<count {
                    transformOutput(
                        m + t * cout, mStride: chunkTiles * cout, bias: bias, blocks: blocks,
                        shape: shape, tile: first + t, output: output, scratch: rows4x6)
                }
                first += count
            }
        }
    }

    // MARK: - Input transform: V = Bᵀ d B

    /// Writes the 36 transformed values of every channel of `tile` to `v + ξ · vStride`
    /// (channels contiguous), ξ = 6 · row + column.
    @inline(__always)
    static func transformInput(
        _ input: UnsafePointer<Float>, shape: Shape, channels: Int, tile: Int,
        v: UnsafeMutablePointer<Float>, vStride: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        let (image, ty, tx) = shape.position(ofTile: tile)
        let y0 = ty * 4 - 1
        let x0 = tx * 4 - 1
        let height = shape.height
        let width = shape.width
        let interior = y0 >= 0 && x0 >= 0 && y0 + 6 <= height && x0 + 6 <= width
        let t = UnsafeMutableRawPointer(scratch)
        for block in 0..<(channels / 8) {
            let plane = input + ((block * shape.batch + image) * height * width) * 8
            // Column pass: t[r][j] = Σ_i Bᵀ[r][i] d[i][j], for each of the 6 columns.
            for j in 0..<6 {
                let x = x0 + j
                var d0 = SIMD8<Float>(), d1 = SIMD8<Float>(), d2 = SIMD8<Float>()
                var d3 = SIMD8<Float>(), d4 = SIMD8<Float>(), d5 = SIMD8<Float>()
                if interior {
                    let p = UnsafeRawPointer(plane + (y0 * width + x) * 8)
                    let row = width * 32
                    d0 = p.load(as: SIMD8<Float>.self)
                    d1 = p.load(fromByteOffset: row, as: SIMD8<Float>.self)
                    d2 = p.load(fromByteOffset: 2 * row, as: SIMD8<Float>.self)
                    d3 = p.load(fromByteOffset: 3 * row, as: SIMD8<Float>.self)
                    d4 = p.load(fromByteOffset: 4 * row, as: SIMD8<Float>.self)
                    d5 = p.load(fromByteOffset: 5 * row, as: SIMD8<Float>.self)
                } else if x >= 0 && x < width {
                    d0 = pixel(plane, y0, x, height: height, width: width)
                    d1 = pixel(plane, y0 + 1, x, height: height, width: width)
                    d2 = pixel(plane, y0 + 2, x, height: height, width: width)
                    d3 = pixel(plane, y0 + 3, x, height: height, width: width)
                    d4 = pixel(plane, y0 + 4, x, height: height, width: width)
                    d5 = pixel(plane, y0 + 5, x, height: height, width: width)
                }
                let (r0, r1, r2, r3, r4, r5) = inputRows(d0, d1, d2, d3, d4, d5)
                t.storeBytes(of: r0, toByteOffset: (0 * 6 + j) * 32, as: SIMD8<Float>.self)
                t.storeBytes(of: r1, toByteOffset: (1 * 6 + j) * 32, as: SIMD8<Float>.self)
                t.storeBytes(of: r2, toByteOffset: (2 * 6 + j) * 32, as: SIMD8<Float>.self)
                t.storeBytes(of: r3, toByteOffset: (3 * 6 + j) * 32, as: SIMD8<Float>.self)
                t.storeBytes(of: r4, toByteOffset: (4 * 6 + j) * 32, as: SIMD8<Float>.self)
                t.storeBytes(of: r5, toByteOffset: (5 * 6 + j) * 32, as: SIMD8<Float>.self)
            }
            // Row pass: V[r][j] = Σ_i t[r][i] B[i][j] = Σ_i Bᵀ[j][i] t[r][i].
            let out = UnsafeMutableRawPointer(v + block * 8)
            let stride = vStride * 4
            for r in 0..<6 {
                let q = UnsafeRawPointer(t + r * 6 * 32)
                let (v0, v1, v2, v3, v4, v5) = inputRows(
                    q.load(as: SIMD8<Float>.self), q.load(fromByteOffset: 32, as: SIMD8<Float>.self),
                    q.load(fromByteOffset: 64, as: SIMD8<Float>.self), q.load(fromByteOffset: 96, as: SIMD8<Float>.self),
                    q.load(fromByteOffset: 128, as: SIMD8<Float>.self), q.load(fromByteOffset: 160, as: SIMD8<Float>.self))
                let base = r * 6 * stride
                out.storeBytes(of: v0, toByteOffset: base, as: SIMD8<Float>.self)
                out.storeBytes(of: v1, toByteOffset: base + stride, as: SIMD8<Float>.self)
                out.storeBytes(of: v2, toByteOffset: base + 2 * stride, as: SIMD8<Float>.self)
                out.storeBytes(of: v3, toByteOffset: base + 3 * stride, as: SIMD8<Float>.self)
                out.storeBytes(of: v4, toByteOffset: base + 4 * stride, as: SIMD8<Float>.self)
                out.storeBytes(of: v5, toByteOffset: base + 5 * stride, as: SIMD8<Float>.self)
            }
        }
    }

    /// The 8 channels of pixel (y, x) of an image plane, zero outside the image.
    @inline(__always)
    static func pixel(_ plane: UnsafePointer<Float>, _ y: Int, _ x: Int, height: Int, width: Int) -> SIMD8<Float> {
        guard y >= 0 && y < height else { return SIMD8<Float>() }
        return UnsafeRawPointer(plane + (y * width + x) * 8).load(as: SIMD8<Float>.self)
    }

    /// Bᵀ applied to six values:
    /// [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
    @inline(__always)
    static func inputRows(
        _ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>, _ d4: SIMD8<Float>, _ d5: SIMD8<Float>
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let four = SIMD8<Float>(repeating: 4)
        let minusFour = SIMD8<Float>(repeating: -4)
        let minusFive = SIMD8<Float>(repeating: -5)
        let two = SIMD8<Float>(repeating: 2)
        let r0 = (d4 + d0 * four).addingProduct(d2, minusFive)
        let r1 = (d3 + d4).addingProduct(d1 + d2, minusFour)
        let r2 = (d4 - d3).addingProduct(d1 - d2, four)
        let f = d4 - d2
        let g = (d3 - d1) * two
        let r3 = f + g
        let r4 = f - g
        let r5 = (d5 + d1 * four).addingProduct(d3, minusFive)
        return (r0, r1, r2, r3, r4, r5)
    }

    // MARK: - Output transform: Y = Aᵀ M A, then bias, ReLU and the optional pool

    /// Reads the 36 GEMM results of `tile` (`m + ξ · mStride`, output channels contiguous)
    /// and writes its outputs for the 8-channel `blocks`.
    @inline(__always)
    static func transformOutput(
        _ m: UnsafePointer<Float>, mStride: Int, bias: UnsafePointer<Float>, blocks: Range<Int>,
        shape: Shape, tile: Int, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (image, ty, tx) = shape.position(ofTile: tile)
        let outHeight = shape.outputHeight
        let outWidth = shape.outputWidth
        let s = UnsafeMutableRawPointer(scratch)
        let stride = mStride * 4
        for block in blocks {
            let source = UnsafeRawPointer(m + block * 8)
            // Column pass: s[a][j] = Σ_i Aᵀ[a][i] m[i][j].
            for j in 0..<6 {
                let (o0, o1, o2, o3) = outputRows(
                    source.load(fromByteOffset: (0 * 6 + j) * stride, as: SIMD8<Float>.self),
                    source.load(fromByteOffset: (1 * 6 + j) * stride, as: SIMD8<Float>.self),
                    source.load(fromByteOffset: (2 * 6 + j) * stride, as: SIMD8<Float>.self),
                    source.load(fromByteOffset: (3 * 6 + j) * stride, as: SIMD8<Float>.self),
                    source.load(fromByteOffset: (4 * 6 + j) * stride, as: SIMD8<Float>.self),
                    source.load(fromByteOffset: (5 * 6 + j) * stride, as: SIMD8<Float>.self))
                s.storeBytes(of: o0, toByteOffset: (0 * 6 + j) * 32, as: SIMD8<Float>.self)
                s.storeBytes(of: o1, toByteOffset: (1 * 6 + j) * 32, as: SIMD8<Float>.self)
                s.storeBytes(of: o2, toByteOffset: (2 * 6 + j) * 32, as: SIMD8<Float>.self)
                s.storeBytes(of: o3, toByteOffset: (3 * 6 + j) * 32, as: SIMD8<Float>.self)
            }
            let b = UnsafeRawPointer(bias + block * 8).load(as: SIMD8<Float>.self)
            let plane = output + ((block * shape.batch + image) * outHeight * outWidth) * 8
            // Row pass, bias, ReLU: y[a][0...3] = Σ_i s[a][i] A[i][·].
            if shape.pool {
                for pair in 0..<2 {
                    let top = outputRow(UnsafeRawPointer(s + 2 * pair * 6 * 32), bias: b)
                    let bottom = outputRow(UnsafeRawPointer(s + (2 * pair + 1) * 6 * 32), bias: b)
                    let py = ty * 2 + pair
                    guard py < outHeight else { break }
                    let left = maxOfNonNegative(maxOfNonNegative(top.0, top.1), maxOfNonNegative(bottom.0, bottom.1))
                    let right = maxOfNonNegative(maxOfNonNegative(top.2, top.3), maxOfNonNegative(bottom.2, bottom.3))
                    let px = tx * 2
                    let row = plane + (py * outWidth + px) * 8
                    if px < outWidth { UnsafeMutableRawPointer(row).storeBytes(of: left, as: SIMD8<Float>.self) }
                    if px + 1 < outWidth { UnsafeMutableRawPointer(row + 8).storeBytes(of: right, as: SIMD8<Float>.self) }
                }
            } else {
                for a in 0..<4 {
                    let y = ty * 4 + a
                    guard y < outHeight else { break }
                    let values = outputRow(UnsafeRawPointer(s + a * 6 * 32), bias: b)
                    let x = tx * 4
                    let row = UnsafeMutableRawPointer(plane + (y * outWidth + x) * 8)
                    if x + 4 <= outWidth {
                        row.storeBytes(of: values.0, as: SIMD8<Float>.self)
                        row.storeBytes(of: values.1, toByteOffset: 32, as: SIMD8<Float>.self)
                        row.storeBytes(of: values.2, toByteOffset: 64, as: SIMD8<Float>.self)
                        row.storeBytes(of: values.3, toByteOffset: 96, as: SIMD8<Float>.self)
                    } else {
                        if x < outWidth { row.storeBytes(of: values.0, as: SIMD8<Float>.self) }
                        if x + 1 < outWidth { row.storeBytes(of: values.1, toByteOffset: 32, as: SIMD8<Float>.self) }
                        if x + 2 < outWidth { row.storeBytes(of: values.2, toByteOffset: 64, as: SIMD8<Float>.self) }
                    }
                }
            }
        }
    }

    /// Lane-wise max of two vectors of non-negative floats (ReLU outputs), exact: their bit
    /// patterns order as integers do, so an integer subtract and shift make the select mask
    /// (plain vector instructions; `pointwiseMax` is not inlined and runs lane by lane).
    @inline(__always)
    static func maxOfNonNegative(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        let x = unsafeBitCast(a, to: SIMD8<Int32>.self)
        let y = unsafeBitCast(b, to: SIMD8<Int32>.self)
        let aLarger = (y &- x) &>> 31
        return unsafeBitCast((x & aLarger) | (y & ~aLarger), to: SIMD8<Float>.self)
    }

    /// One output row from six column-pass values at `q`, with bias and ReLU.
    @inline(__always)
    static func outputRow(_ q: UnsafeRawPointer, bias: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let (y0, y1, y2, y3) = outputRows(
            q.load(as: SIMD8<Float>.self), q.load(fromByteOffset: 32, as: SIMD8<Float>.self),
            q.load(fromByteOffset: 64, as: SIMD8<Float>.self), q.load(fromByteOffset: 96, as: SIMD8<Float>.self),
            q.load(fromByteOffset: 128, as: SIMD8<Float>.self), q.load(fromByteOffset: 160, as: SIMD8<Float>.self))
        return (relu8(y0 + bias), relu8(y1 + bias), relu8(y2 + bias), relu8(y3 + bias))
    }

    /// Aᵀ applied to six values: [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
    @inline(__always)
    static func outputRows(
        _ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>, _ m4: SIMD8<Float>, _ m5: SIMD8<Float>
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let sum12 = m1 + m2
        let difference12 = m1 - m2
        let sum34 = m3 + m4
        let difference34 = m3 - m4
        let o0 = m0 + sum12 + sum34
        let o1 = difference12.addingProduct(difference34, SIMD8<Float>(repeating: 2))
        let o2 = sum12.addingProduct(sum34, SIMD8<Float>(repeating: 4))
        let o3 = (difference12 + m5).addingProduct(difference34, SIMD8<Float>(repeating: 8))
        return (o0, o1, o2, o3)
    }
}
