import VGGEngine

/// Every pair of rows whose exact cosine reaches a threshold, without an N × N matrix.
///
/// Blocks of rows are scored against all later rows on their basis coordinates (one GEMM per
/// block, `PairBlockScan`); a pair whose bound S_ab + ρ_a·ρ_b + slack falls below the
/// threshold cannot reach it and is dropped, and the full vectors of the others settle them.
/// The result is exactly the brute-force set. Memory: the packed coordinates, one block of
/// scores (240 × N floats) and at most `residentVectors` full vectors at a time.
public enum DuplicateFinder {
    /// Candidate pairs collected (over blocks) before they are verified together.
    static let pendingLimit = 1 << 16
    /// Full vectors held at once while verifying (32 MB at D = 4096).
    static let residentVectors = 2048
    /// First rows (a) per verification window; their partners stream in the remaining room.
    static let windowRows = 512

    /// Pairs (a, b), a < b, with exact cosine ≥ `threshold`, sorted by (a, b).
    ///
    /// - coordinates: N × rank, row-major; residuals: N (from `FeatureBasis.project`).
    /// - fullVectors: the unit full vectors of the given rows, in the order given.
    /// - progress: fraction of the scoring work done, called on the calling thread.
    public static func pairs(
        coordinates: [Float], residuals: [Float], rank: Int, threshold: Float,
        fullVectors: (_ rows: [Int]) throws -> [[Float]], pool: ThreadPool, kernels: KernelSet = .default,
        progress: ((Double) -> Void)? = nil
    ) throws -> [(a: Int, b: Int, score: Float)] {
        try pairsWithStatistics(
            coordinates: coordinates, residuals: residuals, rank: rank, threshold: threshold,
            fullVectors: fullVectors, pool: pool, kernels: kernels, progress: progress
        ).pairs
    }

    /// `pairs`, with how many candidates and full vectors it had to check.
    public static func pairsWithStatistics(
        coordinates: [Float], residuals: [Float], rank: Int, threshold: Float,
        fullVectors: (_ rows: [Int]) throws -> [[Float]], pool: ThreadPool, kernels: KernelSet = .default,
        progress: ((Double) -> Void)? = nil
    ) throws -> (pairs: [(a: Int, b: Int, score: Float)], statistics: SearchStatistics) {
        let n = residuals.count
        precondition(rank >= 1 && coordinates.count == n * rank, "coordinates are not \(n) × \(rank)")
        precondition(!threshold.isNaN, "threshold is NaN")
        var statistics = SearchStatistics()
        statistics.rows = n
        guard n >= 2 else { return ([], statistics) }

        let scan = PairBlockScan(coordinates: coordinates, residuals: residuals, rank: rank, threads: pool.threadCount, kernels: kernels)
        let limit = threshold - FeatureBasis.boundSlack
        let blockRows = PairBlockScan.blockRows
        // Work of a block ∝ its rows × the columns from its start: the triangle, in blocks.
        var totalWork = 0.0
        for start in stride(from: 0, to: n, by: blockRows) { totalWork += Double(min(blockRows, n - start) * (n - start)) }

        var verifier = PairVerifier(threshold: threshold, windowRows: windowRows, residentVectors: residentVectors, kernels: kernels)
        var pending = [(a: Int, b: Int)]()
        var doneWork = 0.0
        var start = 0
        while start < n {
            let rows = min(blockRows, n - start)
            pending.append(contentsOf: scan.candidates(blockStart: start, limit: limit, pool: pool))
            doneWork += Double(rows * (n - start))
            start += rows
            if pending.count >= pendingLimit || start == n {
                try verifier.verify(pending, fullVectors: fullVectors)
                pending.removeAll(keepingCapacity: true)
            }
            progress?(doneWork / totalWork)
        }
        statistics.candidates = verifier.checked
        statistics.fetchedRows = verifier.fetchedRows
        statistics.fetchCalls = verifier.fetchCalls
        let found = verifier.found.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        return (found, statistics)
    }

    /// Connected groups of rows linked by `pairs` (union–find, so transitively): each group
    /// sorted, groups ordered by their first row, rows in no pair left out.
    public static func groups(pairs: [(a: Int, b: Int, score: Float)], count: Int) -> [[Int]] {
        var parent = Array(0..<count)
        func root(_ row: Int) -> Int {
            var x = row
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for pair in pairs {
            precondition(pair.a >= 0 && pair.a < count && pair.b >= 0 && pair.b < count, "pair outside 0..<\(count)")
            let ra = root(pair.a)
            let rb = root(pair.b)
            // The smaller row becomes the root, so a group's root is its first member.
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        // Only rows in some pair can be in a group; visiting them in order keeps groups sorted.
        var involved = Set<Int>()
        for pair in pairs {
            involved.insert(pair.a)
            involved.insert(pair.b)
        }
        var members = [Int: [Int]]()
        for row in involved.sorted() { members[root(row), default: []].append(row) }
        let result = members.values.filter { $0.count > 1 }
        return result.sorted { $0[0] < $1[0] }
    }
}
