/// 3×3, stride 1, pad 1 convolution by Winograd F(4×4, 3×3) (Lavin & Gray, points 0, ±1,
/// ±2, ∞), on the channel-blocked layout. The transforms and the GEMM microkernel are the
/// kernel set's (`KernelSet.winogradInput`, `gemmRows`, `winogradOutput`).
///
/// Each 4×4 block of outputs ("tile") comes from the 6×6 input patch around it:
/// `Y = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d B) ] A`. The 36 element-wise products summed over input
/// channels are 36 independent GEMMs, `M_ξ[tiles × K] = V_ξ[tiles × C] · U_ξ[C × K]`, which
/// need 36·C·K multiplies per tile against 144·C·K for direct convolution: 4× fewer.
///
/// Work is split by tiles: each thread takes a contiguous range of the batch's tiles and
/// walks it in chunks of `chunkTiles(mr:)`, doing for each chunk the input transform (into V),
/// the 36 GEMMs (into M) and the output transform with bias, ReLU and, when asked, the
/// following 2×2 max-pool, all in buffers that stay in its caches. Each output depends only
/// on its own tile, so results never depend on the batch, the chunking or the threads.
public enum WinogradConvolution {
    /// Tiles per chunk for tiles of `mr` rows: about 96, in whole register tiles. 96 tiles make
    /// each pass over a position's weights (C × K floats, up to 1 MiB) do 96 multiply-adds per
    /// weight loaded, while V and M (36 × 96 × 512 floats each at most, 7 MiB) stay in L2 and L3.
    public static func chunkTiles(mr: Int) -> Int { GEMMBlocking.roundUp(96, to: mr) }

    /// Tiles per chunk for a layer: two register tiles (28 on AVX-512) when all its transformed
    /// weights fit in L2 beside them (C·K ≤ 64·64: 0.6 MB as floats), so V and M stay in L2
    /// too; `chunkTiles(mr:)` otherwise. Measured on conv1_2 (Zen 5, batch 8): 2.12 ms against
    /// 2.64 with 96; every larger layer was as fast or faster with 96 (README.md).
    public static func chunkTiles(mr: Int, inputChannels: Int, outputChannels: Int) -> Int {
        inputChannels * outputChannels <= 64 * 64 ? 2 * mr : chunkTiles(mr: mr)
    }

    /// Floats of scratch one thread needs for layers of up to `inputChannels` and
    /// `outputChannels` channels: V and M for one chunk.
    public static func scratchCount(inputChannels: Int, outputChannels: Int, kernels: KernelSet) -> Int {
        let cin = BlockedLayout.paddedChannels(inputChannels, block: kernels.lanes)
        let cout = GEMMBlocking.roundUp(outputChannels, to: kernels.nr)
        return 36 * chunkTiles(mr: kernels.mr) * (cin + cout)
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
        output: AlignedBuffer, scratch: [AlignedBuffer], kernels: KernelSet
    ) {
        precondition(scratch.count >= pool.threadCount, "one scratch buffer per thread")
        let panels = weights.paddedOutputChannels / weights.nr
        // Few tiles (conv4 and conv5 at small batches): split the output channels instead, so
        // each thread streams only its share of the transformed weights rather than all of
        // them for a handful of tiles. Every output is computed the same way either way.
        let byChannels = pool.threadCount > 1 && shape.tiles < pool.threadCount * chunkTiles(mr: kernels.mr) / 2
            && panels >= pool.threadCount
        bias.withUnsafePointer { b in
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        scratch[t].withUnsafeMutablePointer { s in
                            if byChannels {
                                run(input: x, weights: weights, bias: b, shape: shape, output: y, tileRange: 0..<shape.tiles,
                                    panelRange: ThreadPool.slice(panels, thread: t, of: threads), scratch: s, kernels: kernels)
                            } else {
                                run(input: x, weights: weights, bias: b, shape: shape, output: y,
                                    tileRange: ThreadPool.slice(shape.tiles, thread: t, of: threads), panelRange: 0..<panels,
                                    scratch: s, kernels: kernels)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Computes the tiles `tileRange` of the batch, for the output channels of the nr-channel
    /// panels `panelRange`.
    ///
    /// - input: blocked layout, `weights.paddedInputChannels` channels, `shape` pixels.
    /// - output: blocked layout, `weights.paddedOutputBlocks` channel blocks, the output shape.
    /// - bias: `weights.paddedOutputChannels` floats (zero past the real channels).
    /// - scratch: `scratchCount(...)` floats, 64-byte aligned, owned by the calling thread.
    /// - kernels: the set the weights were transformed for.
    public static func run(
        input: UnsafePointer<Float>, weights: WinogradWeights, bias: UnsafePointer<Float>, shape: Shape,
        output: UnsafeMutablePointer<Float>, tileRange: Range<Int>, panelRange: Range<Int>, scratch: UnsafeMutablePointer<Float>,
        kernels: KernelSet
    ) {
        precondition(weights.nr == kernels.nr && weights.lanes == kernels.lanes, "weights transformed for another kernel set")
        let cin = weights.paddedInputChannels
        let cout = weights.paddedOutputChannels
        let mr = kernels.mr
        let nr = kernels.nr
        let lanes = kernels.lanes
        let chunk = chunkTiles(mr: mr, inputChannels: cin, outputChannels: cout)
        let v = scratch
        let m = scratch + 36 * chunk * cin
        let bfloat16 = weights.bfloat16
        let half = weights.storageKind == .float16
        // Safe: V's 36 × chunk × cin floats hold the same number of bfloat16 values with room
        // to spare, read only by the kernels below; U is read as the words it was packed as.
        v.withMemoryRebound(to: UInt16.self, capacity: 36 * chunk * cin) { v16 in
        weights.storage.withUnsafePointer { u in
        weights.storage.withUnsafePointer(as: UInt32.self) { u32 in
        weights.storage.withUnsafePointer(as: UInt16.self) { u16 in
            var first = tileRange.lowerBound
            while first < tileRange.upperBound {
                let count = min(chunk, tileRange.upperBound - first)
                for t in 0..<count {
                    let (image, ty, tx) = shape.position(ofTile: first + t)
                    if bfloat16 {
                        kernels.winogradInputBF16(
                            input, batch: shape.batch, height: shape.height, width: shape.width, channels: cin, image: image,
                            y0: ty * 4 - 1, x0: tx * 4 - 1, v: v16 + t * cin, vStride: chunk * cin)
                    } else {
                        kernels.winogradInput(
                            input, batch: shape.batch, height: shape.height, width: shape.width, channels: cin, image: image,
                            y0: ty * 4 - 1, x0: tx * 4 - 1, v: v + t * cin, vStride: chunk * cin)
                    }
                }
                // The channel blocks of these panels that hold real (or zero-padded) channels.
                let blocks = (panelRange.lowerBound * nr / lanes)..<min(panelRange.upperBound * nr / lanes, weights.paddedOutputBlocks)
                for position in 0..<36 {
                    let c = m + position * chunk * cout
                    for panel in panelRange {
                        let offset = weights.panelOffset(position: position, panel: panel)
                        var row = 0
                        while row < count {
                            if bfloat16 {
                                kernels.gemmRowsBF16(
                                    pairs: cin / 2, a: v16 + position * chunk * cin + row * cin, lda: cin, rows: min(mr, count - row),
                                    b: u32 + offset, c: c + row * cout + panel * nr, ldc: cout)
                            } else if half {
                                kernels.gemmRowsHalf(
                                    k: cin, a: v + position * chunk * cin + row * cin, lda: cin, rows: min(mr, count - row),
                                    b: u16 + offset, c: c + row * cout + panel * nr, ldc: cout)
                            } else {
                                kernels.gemmRows(
                                    k: cin, a: v + position * chunk * cin + row * cin, lda: cin, rows: min(mr, count - row),
                                    b: u + offset, c: c + row * cout + panel * nr, ldc: cout)
                            }
                            row += mr
                        }
                    }
                }
                for t in 0..<count {
                    let (image, ty, tx) = shape.position(ofTile: first + t)
                    kernels.winogradOutput(
                        m + t * cout, mStride: chunk * cout, bias: bias, blocks: blocks, batch: shape.batch,
                        outputHeight: shape.outputHeight, outputWidth: shape.outputWidth, pool: shape.pool,
                        tileRow: ty, tileColumn: tx, image: image, output: output)
                }
                first += count
            }
        }
        }
        }
        }
    }
}
