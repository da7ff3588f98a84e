// swift-format-ignore-file: the twelve accumulators are kept as separate, aligned variables
// because that is what the compiler turns into twelve ymm registers.

/// A matrix B (K × N) stored as IEEE half floats, packed exactly like `PackedMatrixB`
/// (16-column micro-panels, K-blocked, columns past N zero). Half the bytes of float32: the
/// fully connected layers are limited by how fast their weights stream from memory, and
/// fc6 alone is 411 MB in float32.
public final class HalfPackedMatrixB {
    public let depth: Int
    public let columns: Int
    public let paddedColumns: Int
    let storage: UnsafeMutablePointer<Float16>

    /// Packs B from `element(k, column)`, rounding each value to the nearest half.
    public init(depth: Int, columns: Int, element: (Int, Int) -> Float) {
        self.depth = depth
        self.columns = columns
        paddedColumns = GEMMBlocking.roundUp(columns, to: GEMMBlocking.nr)
        let count = max(paddedColumns * depth, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64)
        storage = raw.initializeMemory(as: Float16.self, repeating: 0, count: count)
        for block in GEMMBlocking.kBlocks(depth) {
            let k0 = block.start
            let kcp = block.count
            for panel in 0..<(paddedColumns / 16) {
                let out = storage + paddedColumns * k0 + panel * 16 * kcp
                for kk in 0..<kcp {
                    for jj in 0..<16 {
                        let column = panel * 16 + jj
                        out[kk * 16 + jj] = column < columns ? Float16(element(k0 + kk, column)) : 0
                    }
                }
            }
        }
    }

    deinit { storage.deallocate() }

    /// Element offset of the micro-panel for columns `panel*16...` in the K block at `k0`.
    @inline(__always)
    func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedColumns * k0 + panel * 16 * kcp }

    /// Bytes the packed weights occupy.
    public var byteCount: Int { paddedColumns * depth * 2 }
}

/// `gemmF32_6x16_simd8` with a half-precision B panel, widened to float32 as it is loaded
/// (F16C); products and sums are float32. Same contract otherwise.
@inline(never)
public func gemmF32_6x16_halfB(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float16>,
    c: UnsafeMutablePointer<Float>, cRowStride: Int, rows: Int = 6, epilogue: GEMMEpilogue
) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<kc {
        // Safe: the packed panels hold kc * 6 floats and kc * 16 halves; b is 32-byte aligned.
        let halves = pb.load(as: SIMD16<Float16>.self)
        let b0 = SIMD8<Float>(halves.lowHalf)
        let b1 = SIMD8<Float>(halves.highHalf)
        var av = SIMD8<Float>(repeating: pa[0])
        c00 = c00.addingProduct(av, b0); c01 = c01.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: pa[1])
        c10 = c10.addingProduct(av, b0); c11 = c11.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: pa[2])
        c20 = c20.addingProduct(av, b0); c21 = c21.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: pa[3])
        c30 = c30.addingProduct(av, b0); c31 = c31.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: pa[4])
        c40 = c40.addingProduct(av, b0); c41 = c41.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: pa[5])
        c50 = c50.addingProduct(av, b0); c51 = c51.addingProduct(av, b1)
        pa += 6
        pb += 32
    }
    storeRow(c00, c01, row: 0, c: c, cRowStride: cRowStride, epilogue: epilogue)
    if rows > 1 { storeRow(c10, c11, row: 1, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 2 { storeRow(c20, c21, row: 2, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 3 { storeRow(c30, c31, row: 3, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 4 { storeRow(c40, c41, row: 4, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 5 { storeRow(c50, c51, row: 5, c: c, cRowStride: cRowStride, epilogue: epilogue) }
}
