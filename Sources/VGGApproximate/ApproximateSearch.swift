import VGGCommon
import VGGIndexTypes

/// Nearest descriptors through an approximate index, with exact scores: the index proposes
/// candidates, the rows written since it was built or updated (`Delta`) are scored in full,
/// and every candidate is read back from the database (only images that are ok now, with the
/// vector they have now) and scored exactly. What is reported is therefore exact; what may
/// be missed is a row the index did not propose, which `index check` measures (recall).
public struct ApproximateSearch {
    public let index: ApproximateIndex
    public let data: any ApproximateData
    /// Candidates read back per query (at least 100, or 4 × the results asked).
    public var candidates: Int
    /// Lists probed per query (the index's own choice unless set).
    public var probes: Int

    public init(index: ApproximateIndex, data: any ApproximateData, candidates: Int = 100, probes: Int? = nil) {
        self.index = index
        self.data = data
        self.candidates = candidates
        self.probes = max(1, min(probes ?? index.header.probes, index.header.lists))
    }

    /// The descriptors written after the index's revision, at unit length.
    public struct Delta: Sendable {
        public var imageIDs: [Int64] = []
        public var vectors: [Float] = []
        public var count: Int { imageIDs.count }
        public init() {}
    }

    /// The rows above the index's revision, of images that are ok now.
    public func delta() throws(ApproximateError) -> Delta {
        var delta = Delta()
        let dimension = index.header.dimension
        do {
            try data.forEachVector(
                modelID: index.header.modelID, kind: index.header.kind, after: index.header.revision, dimension: dimension, chunk: 4096
            ) { ids, vectors, ok in
                let unit = Self.unitRows(vectors, dimension: dimension)
                for row in ids.indices where ok[row] {
                    delta.imageIDs.append(ids[row])
                    delta.vectors += unit[(row * dimension)..<((row + 1) * dimension)]
                }
            }
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .empty("\(error)")
        }
        return delta
    }

    /// One result: an ok image now, its path and its exact cosine with the query.
    public struct Match: Sendable {
        public var imageID: Int64
        public var path: [UInt8]
        /// The cosine as computed (ranking and `minimumScore` use it), and as reported.
        public var exactScore: Double
        public var score: Float { Float(exactScore) }
    }

    /// The `limit` nearest ok images to each unit query, best first (equal scores by path),
    /// leaving out `excluded[q]` and anything below `minimumScore`. `score` gives the cosine
    /// of the query and a candidate's unit vector (pass the exact search's own, so that both
    /// report the same numbers; by default a plain sum of products).
    public func nearest(
        _ queries: [[Float]], limit: Int, excluded: [Set<Int64>] = [], minimumScore: Float = -1, delta: Delta,
        score: (([Float], [Float]) -> Double)? = nil
    ) throws(ApproximateError) -> [[Match]] {
        let dimension = index.header.dimension
        guard !queries.isEmpty else { return [] }
        let k = max(candidates, 4 * limit)
        let proposed = try index.search(queries.flatMap { $0 }, k: k, probes: probes)
        var wanted = Set<Int64>()
        var perQuery = [[Int64]]()
        for (q, query) in queries.enumerated() {
            var ids = proposed[q].map(\.id)
            if delta.count > 0 {
                // The delta's best, scored in full; the database says which are ok.
                var scored = [(id: Int64, score: Float)]()
                scored.reserveCapacity(delta.count)
                for row in 0..<delta.count {
                    scored.append((delta.imageIDs[row], Self.dot(query, delta.vectors, row: row, dimension: dimension)))
                }
                ids += topIndices(scored.map(\.score), count: k).map { scored[$0].id }
            }
            perQuery.append(ids)
            wanted.formUnion(ids)
        }
        let found: [ApproximateCandidate]
        do throws(StoreError) {
            found = try data.candidates(imageIDs: Array(wanted), modelID: index.header.modelID, kind: index.header.kind)
        } catch {
            throw .store(error)
        }
        var byID = [Int64: (path: [UInt8], vector: [Float])]()
        for candidate in found {
            var vector = candidate.vector
            guard vector.count == dimension else { continue }
            if !UnitVector.normalise(&vector) { vector = [Float](repeating: 0, count: dimension) }
            byID[candidate.imageID] = (candidate.path, vector)
        }
        return queries.enumerated().map { q, query in
            var seen = Set<Int64>()
            var matches = [Match]()
            let skip = q < excluded.count ? excluded[q] : []
            for id in perQuery[q] where !skip.contains(id) && seen.insert(id).inserted {
                guard let (path, vector) = byID[id] else { continue }
                let cosine = score?(query, vector) ?? Double(Self.dot(query, vector, row: 0, dimension: dimension))
                if cosine >= Double(minimumScore) { matches.append(Match(imageID: id, path: path, exactScore: cosine)) }
            }
            matches.sort { $0.exactScore != $1.exactScore ? $0.exactScore > $1.exactScore : $0.path.lexicographicallyPrecedes($1.path) }
            return Array(matches.prefix(limit))
        }
    }

    static func dot(_ query: [Float], _ vectors: [Float], row: Int, dimension: Int) -> Float {
        var sum: Float = 0
        let base = row * dimension
        for i in 0..<dimension { sum += query[i] * vectors[base + i] }
        return sum
    }

    /// Each `dimension`-long row of `vectors` at unit length (a row with no direction stays zero).
    static func unitRows(_ vectors: [Float], dimension: Int) -> [Float] {
        var result = vectors
        for start in stride(from: 0, to: result.count, by: dimension) {
            var sum: Float = 0
            for i in start..<(start + dimension) { sum += result[i] * result[i] }
            let scale: Float = sum > 0 ? 1 / sum.squareRoot() : 0
            for i in start..<(start + dimension) { result[i] *= scale }
        }
        return result
    }
}
