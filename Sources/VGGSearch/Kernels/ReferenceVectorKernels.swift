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

    /// u[i] = c·cᵢ + ρ·ρᵢ + slack, with the dot in Double (so it is the more exact of the two).
    static func upperBounds(
        query: UnsafePointer<Float>, queryResidual: Float, coordinates: UnsafePointer<Float>,
        residuals: UnsafePointer<Float>, rank: Int, slack: Float, rows: Range<Int>,
        bounds: UnsafeMutablePointer<Float>
    ) {
        for row in rows {
            let dot = dotF32AccumulateF64(query, coordinates + row * rank, count: rank)
            bounds[row] = Float(dot + Double(queryResidual) * Double(residuals[row]) + Double(slack))
        }
    }
}
