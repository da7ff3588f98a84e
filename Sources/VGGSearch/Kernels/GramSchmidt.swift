import VGGCommon
import VGGEngine

/// Orthonormalisation of the rows of a Double matrix (rows × dimension, row-major) in place.
///
/// Classical Gram–Schmidt, repeated until a pass no longer cancels much (at least twice:
/// "twice is enough", Kahan–Parlett), reaches orthogonality to Double rounding even for the
/// badly conditioned blocks that subspace iteration produces (the leading direction of
/// non-negative features dominates every column). A row that is numerically in the span of
/// the rows before it is replaced by a random one, so the result always has full rank.
///
/// Threads split outputs: the coefficients of a pass (one whole dot each), then the
/// row's elements (each updated by all previous rows in order), so the result does not
/// depend on the thread count.
enum GramSchmidt {
    /// Below this many multiply-adds a pass runs on the calling thread: a barrier costs more.
    static let threadingThreshold = 1 << 16

    /// Orthonormalises `rows` rows of `dimension` doubles; returns how many were replaced.
    @discardableResult
    static func orthonormaliseRows(
        _ matrix: inout [Double], rows: Int, dimension: Int, random: inout SplitMix64, pool: ThreadPool, kernels: KernelSet
    ) -> Int {
        precondition(rows >= 0 && rows <= dimension && matrix.count == rows * dimension, "matrix is not rows × dimension")
        var replaced = 0
        var coefficients = [Double](repeating: 0, count: max(rows, 1))
        matrix.withUnsafeMutableBufferPointer { m in
            coefficients.withUnsafeMutableBufferPointer { h in
                // Safe: the buffers hold rows × dimension and rows doubles.
                guard let base = m.baseAddress, let hb = h.baseAddress else { return }
                for j in 0..<rows {
                    let y = base + j * dimension
                    while true {
                        let original = kernels.search.dotF64(y, y, count: dimension).squareRoot()
                        guard original > 0, original.isFinite else {
                            fillGaussian(y, count: dimension, random: &random)
                            replaced += 1
                            continue
                        }
                        var current = original
                        var passes = 0
                        var settled = j == 0
                        while !settled && passes < 4 {
                            subtractProjections(
                                y, onto: base, previous: j, dimension: dimension, coefficients: hb, pool: pool, kernels: kernels)
                            let next = kernels.search.dotF64(y, y, count: dimension).squareRoot()
                            passes += 1
                            settled = passes >= 2 && next >= 0.5 * current
                            current = next
                        }
                        if settled && current > 1e-10 * original {
                            let scale = 1 / current
                            for k in 0..<dimension { y[k] *= scale }
                            break
                        }
                        fillGaussian(y, count: dimension, random: &random)
                        replaced += 1
                    }
                }
            }
        }
        return replaced
    }

    /// y −= Σᵢ (qᵢ·y) qᵢ over the first `previous` rows of `basis` (one classical pass).
    private static func subtractProjections(
        _ y: UnsafeMutablePointer<Double>, onto basis: UnsafePointer<Double>, previous: Int, dimension: Int,
        coefficients: UnsafeMutablePointer<Double>, pool: ThreadPool, kernels: KernelSet
    ) {
        let threaded = previous * dimension >= threadingThreshold && pool.threadCount > 1
        let dots = { (thread: Int, threads: Int) in
            for i in ThreadPool.slice(previous, thread: thread, of: threads) {
                coefficients[i] = kernels.search.dotF64(basis + i * dimension, y, count: dimension)
            }
        }
        // Element ranges start at multiples of 4 so that the SIMD/scalar split, and with it
        // every rounding, is the same whatever the thread count.
        let update = { (thread: Int, threads: Int) in
            let quads = (dimension + 3) / 4
            let slice = ThreadPool.slice(quads, thread: thread, of: threads)
            let range = (slice.lowerBound * 4)..<min(slice.upperBound * 4, dimension)
            for i in 0..<previous {
                kernels.search.axpyF64(-coefficients[i], basis + i * dimension, y, range: range)
            }
        }
        if threaded {
            pool.run(dots)
            pool.run(update)
        } else {
            dots(0, 1)
            update(0, 1)
        }
    }

    private static func fillGaussian(_ y: UnsafeMutablePointer<Double>, count: Int, random: inout SplitMix64) {
        for k in 0..<count { y[k] = random.nextGaussian() }
    }
}
