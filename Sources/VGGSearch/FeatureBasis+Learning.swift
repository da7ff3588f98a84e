import VGGCommon
import VGGEngine

extension FeatureBasis {
    /// Vectors a basis is learned from at most, and its largest rank: the search data a scan
    /// stores and the basis a query learns when none is stored yet use the same numbers.
    public static let learningSampleLimit = 4096
    public static let learningRankLimit = 256

    /// Learns a basis of the `rank` leading directions of `samples` by randomized subspace
    /// iteration: from a seeded Gaussian start, `iterations` times Y = Xᵀ(X Q), then
    /// orthonormalise (Double, repeated Gram–Schmidt).
    ///
    /// - samples: S vectors of one dimension D, already L2-normalised. Fewer samples than
    ///   `rank`, or samples of lower rank, are fine: the directions they do not span are
    ///   filled with random orthonormal ones (still a valid, merely looser, bound).
    /// - The directions are those of the uncentred second moment XᵀX, because the bound is on
    ///   raw dot products; for non-negative features the first is close to the mean.
    /// The two products are float GEMMs (2·S·D·r multiply-adds each per iteration), split by
    /// rows between threads; the result does not depend on the thread count.
    public static func learn(
        samples: [[Float]], rank: Int, iterations: Int = 8, seed: UInt64, pool: ThreadPool, kernels: KernelSet = .default
    ) -> FeatureBasis {
        precondition(!samples.isEmpty, "learning a basis needs at least one sample")
        let dimension = samples[0].count
        precondition(samples.allSatisfy { $0.count == dimension }, "samples differ in dimension")
        precondition(rank >= 1 && rank <= dimension, "basis rank \(rank) must be 1...\(dimension)")
        precondition(iterations >= 0, "negative iteration count")
        let count = samples.count
        var x = [Float]()
        x.reserveCapacity(count * dimension)
        for sample in samples { x.append(contentsOf: sample) }
        let xt = transpose(x, rows: count, columns: dimension)

        var random = SplitMix64(seed: seed)
        var q = (0..<(rank * dimension)).map { _ in random.nextGaussian() }
        GramSchmidt.orthonormaliseRows(&q, rows: rank, dimension: dimension, random: &random, pool: pool, kernels: kernels)
        for _ in 0..<iterations {
            let qt = PackedMatrixB(depth: dimension, columns: rank, nr: kernels.nr) { k, n in Float(q[n * dimension + k]) }
            let p = RowBlockGEMM.multiply(x, rows: count, weights: qt, pool: pool, kernels: kernels)
            let pb = PackedMatrixB(depth: count, columns: rank, nr: kernels.nr) { k, n in p[k * rank + n] }
            let y = RowBlockGEMM.multiply(xt, rows: dimension, weights: pb, pool: pool, kernels: kernels)
            for n in 0..<rank {
                for d in 0..<dimension { q[n * dimension + d] = Double(y[d * rank + n]) }
            }
            GramSchmidt.orthonormaliseRows(&q, rows: rank, dimension: dimension, random: &random, pool: pool, kernels: kernels)
        }
        return FeatureBasis(rank: rank, dimension: dimension, rows: q.map { Float($0) }, kernels: kernels)
    }

    /// Row-major transpose, in 32 × 32 tiles so that both sides stay in cache.
    static func transpose(_ m: [Float], rows: Int, columns: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        let tile = 32
        for i0 in stride(from: 0, to: rows, by: tile) {
            for j0 in stride(from: 0, to: columns, by: tile) {
                for i in i0..<min(i0 + tile, rows) {
                    for j in j0..<min(j0 + tile, columns) { t[j * rows + i] = m[i * columns + j] }
                }
            }
        }
        return t
    }
}
