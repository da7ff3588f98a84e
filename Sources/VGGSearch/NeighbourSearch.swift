import VGGEngine

/// Exact cosine nearest neighbours over N unit vectors known by estimates with error
/// bounds, with the float vectors fetched only for the few rows that can still make the
/// results.
///
/// Row i is stored as an int8 code with scale_i and error_i ≥ ‖v_i − scale_i · code_i‖
/// (`FeatureCode`, in VGGIndexTypes), so for a query q its exact cosine lies in e_i ± (‖q‖ ·
/// error_i + slack), where e_i = scale_i · (q · code_i) is read from one byte a dimension
/// (`CodeScorer`, or `VectorKernels.codeScores` for codes in memory). With L the k-th best
/// lower end among the rows allowed, a row whose upper end is below L (or below
/// `minimumScore`) cannot be among the k best; the others are verified with their float
/// vectors, best upper end first, until the next upper end falls below the k-th exact score.
/// The results are exactly those of a brute-force search of the float vectors. Memory per
/// query is O(N) floats: the codes themselves never need to be held.
public struct NeighbourSearch {
    /// The most full vectors requested in one call (16 MB at D = 4096).
    public static let fetchLimit = 1024
    /// Absolute slack added to every interval: it covers the float error of the estimate
    /// (under 1e-5 for unit vectors at D = 4096, see `KernelSet.codeScoresI8`) and
    /// the unit vectors being unit only to float precision, with room to spare.
    public static let slack: Float = 1e-4

    /// Number of rows (N).
    public var count: Int { estimates.count }
    /// The query the estimates belong to.
    public let query: [Float]
    /// N estimates scale_i · (q · code_i).
    public let estimates: [Float]
    /// N error bounds.
    public let errors: [Float]
    /// The kernels of the exact scores.
    public let kernels: KernelSet
    private let fullVectors: (_ rows: [Int]) throws -> [[Float]]

    /// - estimates, errors: N each, for this query.
    /// - fullVectors: the unit float vectors of the given rows, in the order given; called
    ///   a few times per query with batches of rows.
    public init(
        query: [Float], estimates: [Float], errors: [Float], kernels: KernelSet = .default,
        fullVectors: @escaping (_ rows: [Int]) throws -> [[Float]]
    ) {
        precondition(errors.count == estimates.count, "\(estimates.count) estimates but \(errors.count) errors")
        self.query = query
        self.estimates = estimates
        self.errors = errors
        self.kernels = kernels
        self.fullVectors = fullVectors
    }

    /// An index over codes held in memory (N × dimension, row-major), scored for `query`.
    public init(
        query: [Float], codes: [Int8], scales: [Float], errors: [Float], pool: ThreadPool, kernels: KernelSet = .default,
        fullVectors: @escaping (_ rows: [Int]) throws -> [[Float]]
    ) {
        precondition(codes.count == scales.count * query.count, "codes are not \(scales.count) × \(query.count)")
        let estimates = VectorKernels.codeScores(
            query: query, codes: codes, scales: scales, dimension: query.count, pool: pool, kernels: kernels)
        self.init(query: query, estimates: estimates, errors: errors, kernels: kernels, fullVectors: fullVectors)
    }

    /// The `k` rows with the highest exact cosine to the query, best first, equal scores by row.
    ///
    /// - minimumScore: rows scoring below it are left out (so fewer than k may come back).
    /// - allowed: rows for which it returns false are never considered.
    /// Throws what `fullVectors` throws, or `SearchError` if it returns the wrong shape.
    public func nearest(k: Int, minimumScore: Float = -1, allowed: ((Int) -> Bool)? = nil) throws -> [(row: Int, score: Float)] {
        try nearestWithStatistics(k: k, minimumScore: minimumScore, allowed: allowed).matches
    }

    /// `nearest`, with how many full vectors it had to read.
    public func nearestWithStatistics(
        k: Int, minimumScore: Float = -1, allowed: ((Int) -> Bool)? = nil
    ) throws -> (matches: [(row: Int, score: Float)], statistics: SearchStatistics) {
        precondition(!minimumScore.isNaN, "minimum score is NaN")
        var statistics = SearchStatistics()
        statistics.rows = count
        guard k > 0, count > 0 else { return ([], statistics) }

        let queryNorm = Float(VectorKernels.dot(query, query, kernels: kernels).squareRoot())
        // Finite, so that rows not allowed (never offered) cannot reach it.
        let floor = Double(max(minimumScore, -Float.greatestFiniteMagnitude))

        // L: the k-th best lower end. k rows are sure to score at least L.
        var lowest = RankedHeap(capacity: k)
        var upper = [Float](repeating: -.infinity, count: count)
        for row in 0..<count where allowed?(row) ?? true {
            let halfWidth = queryNorm * errors[row] + Self.slack
            upper[row] = estimates[row] + halfWidth
            lowest.offer(RankedRow(score: Double(estimates[row] - halfWidth), row: row))
        }
        let cut = lowest.isFull ? max(floor, lowest.worst?.score ?? floor) : floor

        // Candidates: rows whose upper end reaches the cut, best upper end first.
        var queue = [RankedRow]()
        for row in 0..<count where Double(upper[row]) >= cut { queue.append(RankedRow(score: Double(upper[row]), row: row)) }
        queue.sort { $0.precedes($1) }

        var best = RankedHeap(capacity: k)
        var position = 0
        while position < queue.count {
            let bar = best.isFull ? max(floor, best.worst?.score ?? floor) : floor
            // The queue is in decreasing upper-end order: once one is below the bar, all are.
            var end = position
            while end < queue.count && end - position < Self.fetchLimit && queue[end].score >= bar { end += 1 }
            if end == position { break }
            let rows = queue[position..<end].map(\.row)
            let vectors = try fetch(rows, statistics: &statistics)
            for (row, vector) in zip(rows, vectors) {
                guard vector.count == query.count else {
                    throw SearchError.dimensionMismatch(row: row, expected: query.count, actual: vector.count)
                }
                let score = VectorKernels.dot(query, vector, kernels: kernels)
                if score >= floor { best.offer(RankedRow(score: score, row: row)) }
            }
            position = end
        }
        statistics.candidates = queue.count
        let matches = best.sortedBestFirst().map { (row: $0.row, score: Float($0.score)) }
        return (matches, statistics)
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

/// Scores int8 codes against one query as they stream past (from a database cursor, say),
/// so a search never holds the codes: e = scale · (q · code), as `NeighbourSearch` wants.
public struct CodeScorer {
    public let query: [Float]
    public let kernels: KernelSet

    public init(query: [Float], kernels: KernelSet = .default) {
        self.query = query
        self.kernels = kernels
    }

    /// The estimate for one code of `query.count` signed bytes.
    public func score(code: UnsafeRawBufferPointer, scale: Float) -> Float {
        precondition(code.count == query.count, "code has \(code.count) bytes, the query \(query.count) values")
        var result: Float = 0
        var scaleValue = scale
        query.withUnsafeBufferPointer { q in
            // Safe: the query holds count floats and the code count bytes; one row is scored.
            guard let qb = q.baseAddress, let cb = code.baseAddress else { return }
            withUnsafeMutablePointer(to: &result) { out in
                withUnsafePointer(to: &scaleValue) { s in
                    kernels.search.codeScoresI8(
                        query: qb, codes: cb.assumingMemoryBound(to: Int8.self), scales: s, dimension: query.count,
                        rows: 0..<1, scores: out)
                }
            }
        }
        return result
    }
}
