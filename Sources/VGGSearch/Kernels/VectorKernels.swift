/// Dot products, residual norms and score bounds over float vectors, with SIMD.
///
/// Each has a plain twin in `ReferenceVectorKernels` with the same signature, which the
/// tests use as the oracle. Every sum is taken in one fixed order whatever the thread count.
enum VectorKernels {
    /// Σ a[i]·b[i] over `count` floats, summed in Double.
    ///
    /// A product of two floats is exact in Double, so the only rounding is the Double sum
    /// (relative error ≈ count · 1e-16): the score that decides a result is as good as the
    /// stored floats allow. Sixteen lanes in four accumulators hide the FMA latency.
    @inline(__always)
    static func dotF32AccumulateF64_simd16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        let pa = UnsafeRawPointer(a)
        let pb = UnsafeRawPointer(b)
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
        var i = 0
        while i + 16 <= count {
            // Safe: i + 16 <= count floats are readable behind both pointers. Four-float loads
            // widen straight into Double lanes (measured faster than splitting 8-float loads).
            let offset = i * 4
            s0 = s0.addingProduct(
                widen(pa.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)),
                widen(pb.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)))
            s1 = s1.addingProduct(
                widen(pa.loadUnaligned(fromByteOffset: offset + 16, as: SIMD4<Float>.self)),
                widen(pb.loadUnaligned(fromByteOffset: offset + 16, as: SIMD4<Float>.self)))
            s2 = s2.addingProduct(
                widen(pa.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Float>.self)),
                widen(pb.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Float>.self)))
            s3 = s3.addingProduct(
                widen(pa.loadUnaligned(fromByteOffset: offset + 48, as: SIMD4<Float>.self)),
                widen(pb.loadUnaligned(fromByteOffset: offset + 48, as: SIMD4<Float>.self)))
            i += 16
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while i < count {
            sum += Double(a[i]) * Double(b[i])
            i += 1
        }
        return sum
    }

    /// ‖v − w‖ over `count` floats, each difference and square in Double.
    ///
    /// Used for the projection residual ρ = ‖v − Qᵀc‖, taken directly rather than as
    /// sqrt(1 − ‖c‖²), which loses everything to cancellation when ρ is small.
    @inline(__always)
    static func distanceF32AccumulateF64_simd8(_ v: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count: Int) -> Double {
        let pv = UnsafeRawPointer(v)
        let pw = UnsafeRawPointer(w)
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        var i = 0
        while i + 8 <= count {
            // Safe: i + 8 <= count floats are readable behind both pointers.
            let d0 = widen(pv.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self))
                - widen(pw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self))
            let d1 = widen(pv.loadUnaligned(fromByteOffset: i * 4 + 16, as: SIMD4<Float>.self))
                - widen(pw.loadUnaligned(fromByteOffset: i * 4 + 16, as: SIMD4<Float>.self))
            s0 = s0.addingProduct(d0, d0)
            s1 = s1.addingProduct(d1, d1)
            i += 8
        }
        var sum = (s0 + s1).sum()
        while i < count {
            let d = Double(v[i]) - Double(w[i])
            sum += d * d
            i += 1
        }
        return sum.squareRoot()
    }

    /// Estimated scores e[row] = scale[row] · (q · code[row]) of rows `rows` of an int8 code
    /// matrix (rows × dimension, row-major), with the dot in Float.
    ///
    /// Each of 32 lanes sums at most dimension / 32 + 1 products, so the float error of the
    /// dot is below (dimension / 32 + 40) · 6e-8 · ‖q‖ · ‖scale · code‖: under 1e-5 for unit
    /// vectors at dimension 4096, which the search's slack covers ten times over.
    static func codeScoresI8_simd8(
        query: UnsafePointer<Float>, codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, dimension: Int,
        rows: Range<Int>, scores: UnsafeMutablePointer<Float>
    ) {
        let pq = UnsafeRawPointer(query)
        for row in rows {
            let pc = UnsafeRawPointer(codes + row * dimension)
            var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
            var k = 0
            while k + 32 <= dimension {
                // Safe: k + 32 <= dimension floats of the query and bytes of this row are readable.
                s0 = s0.addingProduct(pq.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self), widen(pc, k))
                s1 = s1.addingProduct(pq.loadUnaligned(fromByteOffset: k * 4 + 32, as: SIMD8<Float>.self), widen(pc, k + 8))
                s2 = s2.addingProduct(pq.loadUnaligned(fromByteOffset: k * 4 + 64, as: SIMD8<Float>.self), widen(pc, k + 16))
                s3 = s3.addingProduct(pq.loadUnaligned(fromByteOffset: k * 4 + 96, as: SIMD8<Float>.self), widen(pc, k + 24))
                k += 32
            }
            var dot = ((s0 + s1) + (s2 + s3)).sum()
            while k < dimension {
                dot += query[k] * Float(codes[row * dimension + k])
                k += 1
            }
            scores[row] = scales[row] * dot
        }
    }

    /// Eight signed bytes at `offset` as floats (exact).
    @inline(__always)
    static func widen(_ bytes: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        let packed = bytes.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int8>.self)
        return SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: packed))
    }

    /// Float lanes widened to Double, which is exact.
    @inline(__always)
    static func widen(_ x: SIMD4<Float>) -> SIMD4<Double> {
        SIMD4<Double>(Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3]))
    }
}
