/// Plain loops with the contracts of `VectorKernels`: the oracle the SIMD kernels are
/// tested against, kept forever.
enum ReferenceVectorKernels {
    /// Σ a[i]·b[i] in Double, in index order.
    static func dotF32AccumulateF64(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count { sum += Double(a[i]) * Double(b[i]) }
        return sum
    }

    /// ‖v − w‖ in Double, in index order.
    static func distanceF32AccumulateF64(_ v: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count {
            let d = Double(v[i]) - Double(w[i])
            sum += d * d
        }
        return sum.squareRoot()
    }

    /// e[row] = scale[row] · (q · code[row]) with the dot in Double, in index order.
    static func codeScores(
        query: UnsafePointer<Float>, codes: UnsafePointer<Int8>, scales: UnsafePointer<Float>, dimension: Int,
        rows: Range<Int>, scores: UnsafeMutablePointer<Float>
    ) {
        for row in rows {
            var dot = 0.0
            for k in 0..<dimension { dot += Double(query[k]) * Double(codes[row * dimension + k]) }
            scores[row] = Float(Double(scales[row]) * dot)
        }
    }
}
