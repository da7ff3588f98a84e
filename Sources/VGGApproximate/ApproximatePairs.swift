import CVGGFaiss
import VGGCommon

/// Near-duplicate pairs through an approximate index's cells, for `duplicates` past a few
/// hundred thousand photos: every vector goes to the cell of its nearest coarse centroid and
/// visits the next `visits - 1` cells; within each cell, every member is compared with every
/// member and visitor exactly (one BLAS product per cell). Two near copies are found unless
/// neither lies in one of the other's nearest cells, which `index check`-like measurements
/// bound (Benchmarks/README.md, "Approximate search"); the scores are exact.
///
/// Only the index's trained centroids are used, not its entries: every vector given is
/// placed afresh, so rows written after the build count like the others.
public struct ApproximatePairs {
    public let index: ApproximateIndex
    /// Cells each vector is compared in (its own and the nearest others): 3 unless
    /// `chooseVisits` measured how many the pairs need.
    public var visits: Int

    public init(index: ApproximateIndex, visits: Int = 3) {
        self.index = index
        self.visits = max(1, min(visits, index.header.lists))
    }

    /// Sampled near pairs that all being found vouches for 99 % of the others (at 95 %
    /// confidence, the rule of three: no miss in n leaves at most 3/n missed). With fewer,
    /// `chooseVisits` visits one cell more than the sample needed: at 2,000,000 images one
    /// visit brought together all 94 sampled pairs and missed 0.36 % of the planted ones.
    public static let vouchingPairs = 300

    /// The visits `chooseVisits` chose and what the sample said.
    public struct VisitChoice: Sendable, Equatable {
        /// Cells each vector visits.
        public var visits: Int
        /// The fewest that bring together every sampled pair (or the cap): `visits`, or one
        /// less when a margin was added.
        public var minimum: Int
        /// The share of the sampled pairs `visits` finds (1 unless the cap was reached).
        public var recall: Double
        public var sampledPairs: Int
    }

    /// How many cells each vector must visit for every near pair of `sample` sampled rows to
    /// be compared (capped at `limit`), plus one when fewer than `vouchingPairs` pairs were
    /// sampled from more rows than `sample`: the near pairs of the sample are found exactly
    /// (one pass of products over all rows), and for each the nearer of the two cells that
    /// would bring it together is ranked among the sampled row's nearest cells.
    public func chooseVisits(
        vectors: [Float], count: Int, threshold: Float, sample: Int = 2000, limit: Int = 32, seed: UInt64 = 3
    ) throws(ApproximateError) -> VisitChoice {
        let dimension = index.header.dimension
        let limit = max(1, min(limit, index.header.lists))
        var random = SplitMix64(seed: seed)
        // Distinct rows (Floyd's sample), so no pair is counted twice.
        var chosen = Set<Int>()
        if count <= sample {
            chosen = Set(0..<count)
        } else {
            for upper in (count - sample)..<count {
                let pick = Int(random.next() % UInt64(upper + 1))
                chosen.insert(chosen.contains(pick) ? upper : pick)
            }
        }
        let rows = chosen.sorted()
        let sampled = rows.flatMap { vectors[($0 * dimension)..<(($0 + 1) * dimension)] }
        // The near pairs of the sampled rows (a sampled, b any other row).
        var near = [(a: Int, b: Int)]()
        let chunk = 65_536
        for start in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - start)
            var result = vgg_pairs()
            if let reason = ApproximateIndex.withError({ error, size in
                sampled.withUnsafeBufferPointer { x in
                    vectors.withUnsafeBufferPointer { y in
                        vgg_range_pairs(
                            Int32(dimension), Int64(rows.count), x.baseAddress, Int64(n), y.baseAddress! + start * dimension, threshold - 1e-4,
                            &result, error, size)
                    }
                } == 0
            }) {
                throw .library(operation: "finding the sample's near pairs", reason: reason)
            }
            defer { vgg_pairs_free(&result) }
            for i in rows.indices {
                for k in result.starts[i]..<result.starts[i + 1] {
                    let b = start + Int(result.y[Int(k)])
                    // A pair of two sampled rows once, not once from each side.
                    if b != rows[i] && !(b < rows[i] && chosen.contains(b)) { near.append((rows[i], b)) }
                }
            }
        }
        guard !near.isEmpty else { return VisitChoice(visits: min(3, limit), minimum: min(3, limit), recall: 1, sampledPairs: 0) }
        // Each row's nearest cells, nearest first, for the rows of those pairs.
        let involved = Array(Set(near.flatMap { [$0.a, $0.b] }))
        let cells = try assign(involved.flatMap { vectors[($0 * dimension)..<(($0 + 1) * dimension)] }, count: involved.count, probes: limit)
        var ranking = [Int: ArraySlice<Int64>]()
        for (i, row) in involved.enumerated() { ranking[row] = cells[(i * limit)..<((i + 1) * limit)] }
        // Visits that bring each pair together: a visits b's cell, or b visits a's.
        let needed = near.map { pair -> Int in
            let a = ranking[pair.a]!
            let b = ranking[pair.b]!
            let aVisitsB = a.firstIndex(of: b.first!).map { $0 - a.startIndex + 1 } ?? Int.max
            let bVisitsA = b.firstIndex(of: a.first!).map { $0 - b.startIndex + 1 } ?? Int.max
            return min(aVisitsB, bVisitsA)
        }
        let minimum = max(1, min(limit, needed.max() ?? 1))
        // Every row sampled, every pair is known: no margin is needed.
        let visits = near.count < Self.vouchingPairs && count > sample ? min(limit, minimum + 1) : minimum
        let found = needed.filter { $0 <= visits }.count
        return VisitChoice(visits: visits, minimum: minimum, recall: Double(found) / Double(near.count), sampledPairs: near.count)
    }

    /// The `probes` nearest cells of each of `count` vectors, nearest first.
    private func assign(_ vectors: [Float], count: Int, probes: Int) throws(ApproximateError) -> [Int64] {
        var cells = [Int64](repeating: -1, count: count * probes)
        if let reason = ApproximateIndex.withError({ error, size in
            vectors.withUnsafeBufferPointer { v in
                cells.withUnsafeMutableBufferPointer { c in
                    vgg_ann_assign(index.handle, Int64(count), v.baseAddress, Int32(probes), c.baseAddress, error, size)
                }
            } == 0
        }) {
            throw .library(operation: "assigning vectors to cells", reason: reason)
        }
        return cells
    }

    /// Every pair of rows of `vectors` (unit length, `count` × the index's dimension,
    /// row-major) whose cosine reaches `threshold` or falls short of it by less than 1e-4
    /// (the caller makes the exact cut with its own sums), each once (a < b), with its cosine.
    public func pairs(vectors: [Float], count: Int, threshold: Float) throws(ApproximateError) -> [(a: Int, b: Int, score: Float)] {
        let dimension = index.header.dimension
        precondition(vectors.count == count * dimension, "\(vectors.count) floats for \(count) vectors of \(dimension)")
        guard count > 1 else { return [] }
        let visits = visits
        // The cells of every vector, nearest first.
        var cells = [Int64](repeating: -1, count: count * visits)
        let chunk = 65_536
        for start in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - start)
            if let reason = ApproximateIndex.withError({ error, size in
                vectors.withUnsafeBufferPointer { v in
                    cells.withUnsafeMutableBufferPointer { c in
                        vgg_ann_assign(
                            index.handle, Int64(n), v.baseAddress! + start * dimension, Int32(visits), c.baseAddress! + start * visits, error, size)
                    }
                } == 0
            }) {
                throw .library(operation: "assigning vectors to cells", reason: reason)
            }
        }
        var members = [[Int]](repeating: [], count: index.header.lists)
        var visitors = [[Int]](repeating: [], count: index.header.lists)
        for row in 0..<count {
            for j in 0..<visits {
                let cell = cells[row * visits + j]
                guard cell >= 0 else { continue }
                if j == 0 { members[Int(cell)].append(row) } else { visitors[Int(cell)].append(row) }
            }
        }
        cells = []
        var found = [Int64: Float]()
        var x = [Float]()
        var y = [Float]()
        for cell in members.indices where !members[cell].isEmpty {
            let ys = members[cell]
            let xs = ys + visitors[cell]
            guard xs.count > 1 else { continue }
            x.removeAll(keepingCapacity: true)
            y.removeAll(keepingCapacity: true)
            for row in xs { x.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)]) }
            for row in ys { y.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)]) }
            var result = vgg_pairs()
            if let reason = ApproximateIndex.withError({ error, size in
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeBufferPointer { yp in
                        vgg_range_pairs(
                            Int32(dimension), Int64(xs.count), xp.baseAddress, Int64(ys.count), yp.baseAddress, threshold - 1e-4, &result,
                            error, size)
                    }
                } == 0
            }) {
                throw .library(operation: "comparing a cell's vectors", reason: reason)
            }
            defer { vgg_pairs_free(&result) }
            for i in 0..<xs.count {
                for k in result.starts[i]..<result.starts[i + 1] {
                    let a = xs[i]
                    let b = ys[Int(result.y[Int(k)])]
                    guard a != b else { continue }
                    let key = Int64(min(a, b)) << 32 | Int64(max(a, b))
                    if found[key] == nil { found[key] = Self.cosine(vectors, a, b, dimension: dimension) }
                }
            }
        }
        // A little below the threshold: the caller makes the exact cut with its own sums.
        return found.compactMap { key, score in
            score >= threshold - 1e-4 ? (a: Int(key >> 32), b: Int(key & 0xFFFF_FFFF), score: score) : nil
        }
    }

    /// The cosine of two unit rows, summed in Double.
    static func cosine(_ vectors: [Float], _ a: Int, _ b: Int, dimension: Int) -> Float {
        var sum = 0.0
        let ba = a * dimension
        let bb = b * dimension
        for i in 0..<dimension { sum += Double(vectors[ba + i]) * Double(vectors[bb + i]) }
        return Float(sum)
    }
}
