import VGGEngine

extension FeatureBasis {
    /// Relative and absolute margins by which a computed residual norm is rounded up. The
    /// coordinates and the reconstruction Qᵀc come from float GEMMs (errors near 1e-7 per
    /// element); the margins keep ρ above the exact residual of those very coordinates.
    public static let residualScale: Float = 1 + 1e-5
    public static let residualMargin: Float = 1e-6

    /// Coordinates c = Qv and residual norms ρ ≥ ‖v − Qᵀc‖ of `count` vectors.
    ///
    /// - vectors: count × dimension, row-major, each L2-normalised (a zero vector gets c = 0).
    /// - coordinates: count × rank, row-major. residuals: count.
    ///
    /// ρ is the norm of the difference itself, accumulated in Double, not sqrt(1 − ‖c‖²),
    /// which cancels to noise exactly when ρ is small and the bound matters most. Threads
    /// split the vectors; the results do not depend on the thread count.
    public func project(
        _ vectors: UnsafePointer<Float>, count: Int, into coordinates: UnsafeMutablePointer<Float>,
        residuals: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let kernels = self.kernels
        let chunk = GEMMBlocking.mc(mr: kernels.mr)
        let packCount = LinearGEMM.packCount(rows: chunk, kernels: kernels)
        let rank = self.rank
        let dimension = self.dimension
        let packBuffers = (0..<pool.threadCount).map { _ in AlignedBuffer(count: packCount) }
        let reconstructions = (0..<pool.threadCount).map { _ in AlignedBuffer(count: chunk * dimension) }
        let packing = self.packing
        let forwardPanels = 0..<packing.forward.panels
        let backwardPanels = 0..<packing.backward.panels
        packing.zeroBias.withUnsafePointer { bias in
            pool.run { thread, threads in
                let mine = ThreadPool.slice(count, thread: thread, of: threads)
                packBuffers[thread].withUnsafeMutablePointer { pack in
                    reconstructions[thread].withUnsafeMutablePointer { reconstruction in
                        var start = mine.lowerBound
                        while start < mine.upperBound {
                            let rows = min(chunk, mine.upperBound - start)
                            // Safe: rows start..<start+rows exist in the input and both outputs, and
                            // belong to this thread alone; the scratch holds chunk × dimension floats.
                            let c = coordinates + start * rank
                            LinearGEMM.run(
                                input: vectors + start * dimension, rows: rows, weights: .float32(packing.forward), bias: bias,
                                relu: false, output: c, panelRange: forwardPanels, packBuffer: pack, kernels: kernels)
                            LinearGEMM.run(
                                input: UnsafePointer(c), rows: rows, weights: .float32(packing.backward), bias: bias,
                                relu: false, output: reconstruction, panelRange: backwardPanels, packBuffer: pack, kernels: kernels)
                            for i in 0..<rows {
                                let rho = kernels.search.distanceF32AccumulateF64(
                                    vectors + (start + i) * dimension, reconstruction + i * dimension, count: dimension)
                                residuals[start + i] = Float(rho) * Self.residualScale + Self.residualMargin
                            }
                            start += rows
                        }
                    }
                }
            }
        }
    }

    /// Coordinates (count × rank) and residual norms (count) of row-major unit vectors.
    public func project(_ vectors: [Float], pool: ThreadPool) -> (coordinates: [Float], residuals: [Float]) {
        precondition(vectors.count % dimension == 0, "\(vectors.count) floats are not whole vectors of \(dimension)")
        let count = vectors.count / dimension
        var coordinates = [Float](repeating: 0, count: count * rank)
        var residuals = [Float](repeating: 0, count: count)
        vectors.withUnsafeBufferPointer { v in
            coordinates.withUnsafeMutableBufferPointer { c in
                residuals.withUnsafeMutableBufferPointer { r in
                    // Safe: the buffers hold count × dimension, count × rank and count floats.
                    guard let vb = v.baseAddress, let cb = c.baseAddress, let rb = r.baseAddress else { return }
                    project(vb, count: count, into: cb, residuals: rb, pool: pool)
                }
            }
        }
        return (coordinates, residuals)
    }
}
