// swift-format-ignore-file: the twelve accumulators are kept as separate, aligned variables
// because that is what the compiler turns into twelve ymm registers.

/// How a microkernel combines its product with what is already in C.
public struct GEMMEpilogue {
    /// Add to C (later K blocks) instead of overwriting it (first K block).
    public var accumulate: Bool
    /// Added once, on the first K block: one value per C row, or one per C column.
    public var rowBias: UnsafePointer<Float>?
    public var columnBias: UnsafePointer<Float>?
    /// Clamp at zero after adding (only on the last K block).
    public var relu: Bool

    @inline(__always)
    public init(accumulate: Bool, rowBias: UnsafePointer<Float>? = nil, columnBias: UnsafePointer<Float>? = nil, relu: Bool = false) {
        self.accumulate = accumulate
        self.rowBias = rowBias
        self.columnBias = columnBias
        self.relu = relu
    }
}

/// C[6×16] = epilogue(C, A[6×kc] · B[kc×16]), with 8-wide SIMD and fused multiply-add.
///
/// - `a`: packed A micro-panel, k-major: element (i, k) at `a[k * 6 + i]`.
/// - `b`: packed B micro-panel, k-major, 32-byte aligned: element (k, j) at `b[k * 16 + j]`.
/// - `c`: row i starts at `c + i * cRowStride`; 16 contiguous floats per row, any alignment.
/// - `rows`: only the first `rows` (1...6) rows of C are read and written; the others are
///   computed from A's zero padding and dropped, which is cheaper than a separate kernel.
/// The first K block writes `bias + A·B`, later blocks add `A·B`; ReLU is applied last.
/// Summation order depends only on kc and the block order, never on threads or batch.
@inline(never)
public func gemmF32_6x16_simd8(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
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
        // Safe: the packed panels hold kc * 6 and kc * 16 floats; b is 32-byte aligned.
        let b0 = pb.load(as: SIMD8<Float>.self)
        let b1 = pb.load(fromByteOffset: 32, as: SIMD8<Float>.self)
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
        pb += 64
    }
    storeRow(c00, c01, row: 0, c: c, cRowStride: cRowStride, epilogue: epilogue)
    if rows > 1 { storeRow(c10, c11, row: 1, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 2 { storeRow(c20, c21, row: 2, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 3 { storeRow(c30, c31, row: 3, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 4 { storeRow(c40, c41, row: 4, c: c, cRowStride: cRowStride, epilogue: epilogue) }
    if rows > 5 { storeRow(c50, c51, row: 5, c: c, cRowStride: cRowStride, epilogue: epilogue) }
}

/// Applies the epilogue to one 16-float row of the tile and stores it.
@inline(__always)
func storeRow(
    _ low: SIMD8<Float>, _ high: SIMD8<Float>, row: Int,
    c: UnsafeMutablePointer<Float>, cRowStride: Int, epilogue: GEMMEpilogue
) {
    let p = UnsafeMutableRawPointer(c + row * cRowStride)
    var x0 = low
    var x1 = high
    if epilogue.accumulate {
        x0 += p.loadUnaligned(as: SIMD8<Float>.self)
        x1 += p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    } else if let rowBias = epilogue.rowBias {
        let bias = SIMD8<Float>(repeating: rowBias[row])
        x0 = bias + x0
        x1 = bias + x1
    } else if let columnBias = epilogue.columnBias {
        let q = UnsafeRawPointer(columnBias)
        x0 = q.loadUnaligned(as: SIMD8<Float>.self) + x0
        x1 = q.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) + x1
    }
    if epilogue.relu {
        x0 = relu8(x0)
        x1 = relu8(x1)
    }
    p.storeBytes(of: x0, as: SIMD8<Float>.self)
    p.storeBytes(of: x1, toByteOffset: 32, as: SIMD8<Float>.self)
}

/// max(x, 0) per lane by clearing negative lanes with their own sign (an arithmetic shift
/// and an AND), which compiles to two vector instructions; `pointwiseMax` and masked
/// `replacing` are not inlined and run lane by lane.
@inline(__always)
func relu8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
    return unsafeBitCast(bits & ~(bits &>> 31), to: SIMD8<Float>.self)
}

/// Same contract as `gemmF32_6x16_simd8` for a tile with fewer than 16 columns: only
/// `rows` × `columns` of C are read and written. The product goes through a local tile.
public func gemmF32_6x16_edge(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, cRowStride: Int, rows: Int, columns: Int, epilogue: GEMMEpilogue
) {
    precondition(rows >= 1 && rows <= 6 && columns >= 1 && columns <= 16, "edge tile out of range")
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 96 + 16 + 6) { scratch in
        // Safe: scratch holds 96 tile floats, then 16 column-bias and 6 row-bias floats.
        guard let tile = scratch.baseAddress else { return }
        tile.update(repeating: 0, count: 96 + 22)
        var local = epilogue
        if epilogue.accumulate {
            for i in 0..<rows { for j in 0..<columns { tile[i * 16 + j] = c[i * cRowStride + j] } }
        } else if let rowBias = epilogue.rowBias {
            for i in 0..<rows { tile[112 + i] = rowBias[i] }
            local.rowBias = UnsafePointer(tile + 112)
        } else if let columnBias = epilogue.columnBias {
            for j in 0..<columns { tile[96 + j] = columnBias[j] }
            local.columnBias = UnsafePointer(tile + 96)
        }
        gemmF32_6x16_simd8(kc: kc, a: a, b: b, c: tile, cRowStride: 16, epilogue: local)
        for i in 0..<rows { for j in 0..<columns { c[i * cRowStride + j] = tile[i * 16 + j] } }
    }
}
