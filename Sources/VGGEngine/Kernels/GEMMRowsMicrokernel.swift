// swift-format-ignore-file: the twelve accumulators are kept as separate, aligned variables
// because that is what the compiler turns into twelve ymm registers.

/// C[6×16] = A[6×k] · B[k×16], overwriting C, for A read in place: row i of A is the `k`
/// contiguous floats at `a + i * lda` (the Winograd input transform writes them so; no
/// packing pass). B is a packed, 32-byte-aligned micro-panel, element (k, j) at `b[k*16 + j]`.
///
/// The whole reduction runs in registers, so each row of C depends only on its own row of A:
/// results never depend on which other rows share the call.
@inline(never)
public func gemmF32_6x16_rowsA(
    k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, cRowStride: Int
) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
    var pb = UnsafeRawPointer(b)
    for kk in 0..<k {
        // Safe: the six rows hold k floats each; the B panel holds k * 16 and is aligned.
        let b0 = pb.load(as: SIMD8<Float>.self)
        let b1 = pb.load(fromByteOffset: 32, as: SIMD8<Float>.self)
        var av = SIMD8<Float>(repeating: a0[kk])
        c00 = c00.addingProduct(av, b0); c01 = c01.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: a1[kk])
        c10 = c10.addingProduct(av, b0); c11 = c11.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: a2[kk])
        c20 = c20.addingProduct(av, b0); c21 = c21.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: a3[kk])
        c30 = c30.addingProduct(av, b0); c31 = c31.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: a4[kk])
        c40 = c40.addingProduct(av, b0); c41 = c41.addingProduct(av, b1)
        av = SIMD8<Float>(repeating: a5[kk])
        c50 = c50.addingProduct(av, b0); c51 = c51.addingProduct(av, b1)
        pb += 64
    }
    let p = UnsafeMutableRawPointer(c)
    let stride = cRowStride * 4
    p.storeBytes(of: c00, as: SIMD8<Float>.self); p.storeBytes(of: c01, toByteOffset: 32, as: SIMD8<Float>.self)
    p.storeBytes(of: c10, toByteOffset: stride, as: SIMD8<Float>.self); p.storeBytes(of: c11, toByteOffset: stride + 32, as: SIMD8<Float>.self)
    p.storeBytes(of: c20, toByteOffset: 2 * stride, as: SIMD8<Float>.self); p.storeBytes(of: c21, toByteOffset: 2 * stride + 32, as: SIMD8<Float>.self)
    p.storeBytes(of: c30, toByteOffset: 3 * stride, as: SIMD8<Float>.self); p.storeBytes(of: c31, toByteOffset: 3 * stride + 32, as: SIMD8<Float>.self)
    p.storeBytes(of: c40, toByteOffset: 4 * stride, as: SIMD8<Float>.self); p.storeBytes(of: c41, toByteOffset: 4 * stride + 32, as: SIMD8<Float>.self)
    p.storeBytes(of: c50, toByteOffset: 5 * stride, as: SIMD8<Float>.self); p.storeBytes(of: c51, toByteOffset: 5 * stride + 32, as: SIMD8<Float>.self)
}
