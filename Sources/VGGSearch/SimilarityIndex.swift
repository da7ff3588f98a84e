import VGGEngine

/// Exact cosine nearest neighbours over N unit vectors held as basis coordinates and
/// residual norms (see `FeatureBasis`), with the full vectors fetched only when needed.
///
/// Every row gets an upper bound u = c_q·c_i + ρ_q·ρ_i + slack on its cosine with the query
/// (N × rank floats read, no full vector). Rows are then verified with their full vectors
/// in decreasing order of u, in batches, until the next bound falls below both the k-th best
/// exact score so far and `minimumScore`: no row left behind can enter the results, so
/// they are exactly those of a brute-force search. Memory per query is O(N).
public struct SimilarityIndex {
    /// Rows verified in the first batch at least (a few more than k costs one cheap fetch and
    /// usually settles the k-th score at once).
    public static let firstBatchMinimum = 64
    /// The most full vectors requested in one call (16 MB at D = 4096).
    public static let fetchLimit = 1024

    /// Number of rows (N).
    public var count: Int { residuals.count }
    /// Coordinates per row (r).
    public let rank: Int
    /// N × rank, row-major.
    public let coordinates: [Float]
    /// N residual norms.
    public let residuals: [Float]
    private let fullVectors: (_ rows: [Int]) throws -> [[Float]]

    /// - coordinates: N × rank, row-major; residuals: N (both from `FeatureBasis.project`).
    /// - fullVectors: the unit full vectors of the given rows, in the order given; called
    ///   a few times per query with batches of rows.
    public init(
        coordinates: [Float], residuals: [Float], rank: Int,
        fullVectors: @escaping (_ rows: [Int]) throws -> [[Float]]
    ) {
        precondition(rank >= 1, "rank must be positive")
        precondition(coordinates.count == residuals.count * rank, "coordinates are not \(residuals.count) × \(rank)")
        self.rank = rank
        self.coordinates = coordinates
        self.residuals = residuals
        self.fullVectors = fullVectors
    }

    /// The `k` rows with the highest exact cosine to `query`, best first, equal scores by row.
    ///
    /// - query: a unit vector of the basis's dimension.
    /// - minimumScore: rows scoring below it are left out (so fewer than k may come back).
    /// - allowed: rows for which it returns false are never considered.
    /// Throws what `fullVectors` throws, or `SearchError` if it returns the wrong shape.
    public func nearest(
        to query: [Float], k: Int, minimumScore: Float = -1, allowed: ((Int) -> Bool)? = nil,
        basis: FeatureBasis, pool: ThreadPool
    ) throws -> [(row: Int, score: Float)] {
        try nearestWithStatistics(
            to: query, k: k, minimumScore: minimumScore, allowed: allowed, basis: basis, pool: pool
        ).matches
    }

    /// `nearest`, with how many full vectors it had to read.
    public func nearestWithStatistics(
        to query: [Float], k: Int, minimumScore: Float = -1, allowed: ((Int) -> Bool)? = nil,
        basis: FeatureBasis, pool: ThreadPool
    ) throws -> (matches: [(row: Int, score: Float)], statistics: SearchStatistics) {
        precondition(basis.rank == rank, "basis rank \(basis.rank) differs from the index's \(rank)")
        precondition(query.count == basis.dimension, "query has \(query.count) values, basis \(basis.dimension)")
        precondition(!minimumScore.isNaN, "minimum score is NaN")
        var statistics = SearchStatistics()
        statistics.rows = count
        guard k > 0, count > 0 else { return ([], statistics) }

        let projected = basis.project(query, pool: pool)
        var bounds = VectorKernels.upperBounds(
            query: projected.coordinates, queryResidual: projected.residuals[0], coordinates: coordinates,
            residuals: residuals, rank: rank, slack: FeatureBasis.boundSlack, pool: pool)
        if let allowed {
            for row in 0..<count where !allowed(row) { bounds[row] = -.infinity }
        }
        // Finite, so that the −∞ bounds of rows not allowed never reach it.
        let floor = Double(max(minimumScore, -Float.greatestFiniteMagnitude))

        // The first batch: the best-bounded rows, found without sorting all N.
        let firstBatch = max(4 * k, Self.firstBatchMinimum)
        var leading = RankedHeap(capacity: firstBatch)
        for row in 0..<count where Double(bounds[row]) >= floor {
            leading.offer(RankedRow(score: Double(bounds[row]), row: row))
        }
        var queue = leading.sortedBestFirst()
        // Every row outside `leading` ranks after its last place, so comes after it in order.
        let lastLeading = leading.isFull ? queue.last : nil
        var extended = lastLeading == nil

        var best = RankedHeap(capacity: k)
        var position = 0
        var batchSize = min(firstBatch, Self.fetchLimit)
        while true {
            let bar = best.isFull ? max(floor, best.worst?.score ?? floor) : floor
            if position == queue.count {
                guard !extended, let lastLeading else { break }
                extended = true
                queue = Self.remainingRows(bounds: bounds, after: lastLeading, atLeast: bar)
                position = 0
                continue
            }
            // The queue is in decreasing bound order and the rest rank lower still.
            var end = position
            while end < queue.count && end - position < batchSize && queue[end].score >= bar { end += 1 }
            if end == position { break }
            let rows = queue[position..<end].map(\.row)
            let vectors = try fetch(rows, statistics: &statistics)
            for (row, vector) in zip(rows, vectors) {
                guard vector.count == query.count else {
                    throw SearchError.dimensionMismatch(row: row, expected: query.count, actual: vector.count)
                }
                let score = VectorKernels.dot(query, vector)
                if score >= floor { best.offer(RankedRow(score: score, row: row)) }
            }
            position = end
            batchSize = min(2 * batchSize, Self.fetchLimit)
        }
        statistics.candidates = statistics.fetchedRows
        let matches = best.sortedBestFirst().map { (row: $0.row, score: Float($0.score)) }
        return (matches, statistics)
    }

    /// Rows ranked after `last` whose bound reaches `bar`, in decreasing bound order.
    private static func remainingRows(bounds: [Float], after last: RankedRow, atLeast bar: Double) -> [RankedRow] {
        var rows = [RankedRow]()
        for row in bounds.indices {
            let candidate = RankedRow(score: Double(bounds[row]), row: row)
            if candidate.score >= bar && last.precedes(candidate) { rows.append(candidate) }
        }
        rows.sort { $0.precedes($1) }
        return rows
    }

    private func fetch(_ rows: [Int], statistics: inout SearchStatistics) throws -> [[Float]] {
        let vectors = try fullVectors(rows)
        statistics.fetchCalls += 1
        statistics.fetchedRows += rows.count
        guard vectors.count == rows.count else {
            throw SearchError.fetchCountMismatch(requested: rows.count, received: vectors.count)
        }
        return vectors
    }
}
