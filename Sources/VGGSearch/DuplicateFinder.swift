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

    /// The cosine of two unit vectors as the verification computes it (so pairs found another
    /// way report the same numbers).
    public static func cosine(_ a: [Float], _ b: [Float], kernels: KernelSet = .default) -> Double {
        VectorKernels.dot(a, b, kernels: kernels)
    }

    /// A near-duplicate group: one row that stands for it, and the rows near enough to it,
    /// each with its cosine to the representative (highest first, then by row).
    public struct Group: Equatable, Sendable {
        public var representative: Int
        public var members: [Member]

        public struct Member: Equatable, Sendable {
            public var row: Int
            public var score: Float
        }

        /// The representative, then the members.
        public var rows: [Int] { [representative] + members.map(\.row) }
    }

    /// Groups that never chain: every member is paired (at or above the threshold the pairs
    /// were found with) with its group's representative itself, never only through other
    /// members, so two unrelated photos cannot end up together through a series of
    /// look-alikes.
    ///
    /// Rows are taken as representatives by how many partners they have (ties: the larger
    /// sum of scores, then the lower row): an original with several edited copies has more
    /// partners than any one copy, so it stands for the group. A representative takes its
    /// partners that no earlier group took; a row whose partners were all taken stays out of
    /// the groups (its pairs are still in `pairs`). Groups are ordered by representative.
    public static func groups(pairs: [(a: Int, b: Int, score: Float)], count: Int) -> [Group] {
        var partners = [[(row: Int, score: Float)]](repeating: [], count: count)
        for pair in pairs {
            precondition(pair.a >= 0 && pair.a < count && pair.b >= 0 && pair.b < count && pair.a != pair.b, "pair outside 0..<\(count)")
            partners[pair.a].append((pair.b, pair.score))
            partners[pair.b].append((pair.a, pair.score))
        }
        let candidates = (0..<count).filter { !partners[$0].isEmpty }
        let weight = candidates.reduce(into: [Int: Float]()) { sums, row in sums[row] = partners[row].reduce(0) { $0 + $1.score } }
        let order = candidates.sorted { a, b in
            if partners[a].count != partners[b].count { return partners[a].count > partners[b].count }
            if weight[a]! != weight[b]! { return weight[a]! > weight[b]! }
            return a < b
        }
        var taken = [Bool](repeating: false, count: count)
        var groups = [Group]()
        for row in order where !taken[row] {
            let free = partners[row].filter { !taken[$0.row] }
            guard !free.isEmpty else { continue }
            taken[row] = true
            for partner in free { taken[partner.row] = true }
            let members = free.map { Group.Member(row: $0.row, score: $0.score) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
            groups.append(Group(representative: row, members: members))
        }
        return groups.sorted { $0.representative < $1.representative }
    }
}
