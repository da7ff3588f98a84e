import VGGEngine

extension VectorKernels {
    /// Upper bounds on the cosine between a projected query and each of N rows (see
    /// `upperBoundsF32_simd8`), with the rows split between threads.
    static func upperBounds(
        query: [Float], queryResidual: Float, coordinates: [Float], residuals: [Float], rank: Int,
        slack: Float, pool: ThreadPool
    ) -> [Float] {
        let count = residuals.count
        precondition(query.count == rank && coordinates.count == count * rank, "bound shapes")
        var bounds = [Float](repeating: 0, count: count)
        query.withUnsafeBufferPointer { q in
            coordinates.withUnsafeBufferPointer { c in
                residuals.withUnsafeBufferPointer { r in
                    bounds.withUnsafeMutableBufferPointer { u in
                        // Safe: the buffers hold rank, count × rank, count and count floats, and
                        // each thread writes only its own slice of `bounds`.
                        guard let qb = q.baseAddress, let cb = c.baseAddress, let rb = r.baseAddress,
                            let ub = u.baseAddress
                        else { return }
                        pool.run { thread, threads in
                            upperBoundsF32_simd8(
                                query: qb, queryResidual: queryResidual, coordinates: cb, residuals: rb, rank: rank,
                                slack: slack, rows: ThreadPool.slice(count, thread: thread, of: threads), bounds: ub)
                        }
                    }
                }
            }
        }
        return bounds
    }

    /// Exact dot product of two equally long float vectors, summed in Double.
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "vector lengths differ")
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                // Safe: both buffers hold a.count floats.
                guard let xb = x.baseAddress, let yb = y.baseAddress else { return 0 }
                return dotF32AccumulateF64_simd16(xb, yb, count: a.count)
            }
        }
    }
}
