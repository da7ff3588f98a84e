import VGGEngine

/// Dot products and code scores over whole arrays, through the kernel set's loops
/// (`KernelSet.dotF32AccumulateF64`, `codeScoresI8`). Each loop has a plain twin in
/// `ReferenceVectorKernels` with the same contract, which the tests use as the oracle.
/// Every sum is taken in one fixed order whatever the thread count.
enum VectorKernels {
    /// Estimated scores of a query against every row of an int8 code matrix (see
    /// `KernelSet.codeScoresI8`), with the rows split between threads.
    static func codeScores(
        query: [Float], codes: [Int8], scales: [Float], dimension: Int, pool: ThreadPool, kernels: KernelSet
    ) -> [Float] {
        let count = scales.count
        precondition(query.count == dimension && codes.count == count * dimension, "code shapes")
        var scores = [Float](repeating: 0, count: count)
        query.withUnsafeBufferPointer { q in
            codes.withUnsafeBufferPointer { c in
                scales.withUnsafeBufferPointer { s in
                    scores.withUnsafeMutableBufferPointer { e in
                        // Safe: the buffers hold dimension, count × dimension, count and count
                        // elements, and each thread writes only its own slice of `scores`.
                        guard let qb = q.baseAddress, let cb = c.baseAddress, let sb = s.baseAddress, let eb = e.baseAddress
                        else { return }
                        pool.run { thread, threads in
                            kernels.search.codeScoresI8(
                                query: qb, codes: cb, scales: sb, dimension: dimension,
                                rows: ThreadPool.slice(count, thread: thread, of: threads), scores: eb)
                        }
                    }
                }
            }
        }
        return scores
    }

    /// Exact dot product of two equally long float vectors, summed in Double.
    static func dot(_ a: [Float], _ b: [Float], kernels: KernelSet) -> Double {
        precondition(a.count == b.count, "vector lengths differ")
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                // Safe: both buffers hold a.count floats.
                guard let xb = x.baseAddress, let yb = y.baseAddress else { return 0 }
                return kernels.search.dotF32AccumulateF64(xb, yb, count: a.count)
            }
        }
    }
}
