import CVGGFaiss
import Foundation
import VGGCommon
import VGGIndexTypes

/// Builds the approximate index of one model's descriptors of one kind from the database, in
/// two passes that never hold more than the training sample: the first samples vectors to
/// train on, the second adds every vector, and while it streams past, finds the exact
/// neighbours of a few hundred sampled rows, so the build ends with its own recall check,
/// which also chooses how many lists a query probes.
public struct ApproximateBuild {
    public var modelID: Int64
    public var kind: FeatureKind
    public var dimension: Int
    /// Rows sampled as queries for the recall check.
    public var checkQueries = 200
    /// Recall@10 the probes are chosen to reach (the issue's goal is 0.95; this leaves room).
    public var targetRecall = 0.97
    public var seed: UInt64 = 1

    public init(modelID: Int64, kind: FeatureKind, dimension: Int) {
        self.modelID = modelID
        self.kind = kind
        self.dimension = dimension
    }

    /// Inverted lists for `rows` vectors: about 4√n (the usual range is 1–16 √n; more lists,
    /// more probes, better recall at the same cost), with at least 39 training vectors each as
    /// FAISS's k-means wants.
    public static func lists(for rows: Int) -> Int {
        max(1, min(Int((4 * Double(rows).squareRoot()).rounded()), rows / 39, 65_536))
    }

    /// Dimensions fc7 is reduced to by a PCA learned from the index before its lists: 256, as
    /// the issue's "256 or so" and the stored basis of the exact search; vectors of 512 or
    /// fewer (GeM, R-MAC) are not reduced.
    public static let reducedDimension = 256

    /// The PCA in front of the lists for vectors of `dimension`, if any.
    public static func reduced(for dimension: Int) -> Int? { dimension > 512 ? reducedDimension : nil }

    /// Codes a query may scan whatever the recall (about 30 ms of one core in Debian's
    /// FAISS, whose scalar quantiser is not vectorised): the probes never stop below it.
    public static let affordableCodes = 65_536

    /// Vectors the coarse centroids are trained on: 40 per list.
    public static func trainingRows(lists: Int, rows: Int) -> Int { min(rows, 40 * lists) }

    /// The built index (not yet written) with the recall measured for each number of probes
    /// tried, the last being the one it chose.
    public struct Report {
        public var index: ApproximateIndex
        public var recall: [RecallCheck.Figure]
    }

    public func run(data: any ApproximateData, progress: (String) -> Void = { _ in }) throws(ApproximateError) -> Report {
        let known: RevisionState?
        let rows: Int
        do throws(StoreError) {
            known = try data.revisionState(committed: true)
            rows = try data.vectorCount(modelID: modelID, kind: kind, after: nil)
        } catch {
            throw .store(error)
        }
        guard let state = known else { throw .noRevisions(location: "the index") }
        guard rows > 0 else { throw .empty("model \(modelID) has no \(ApproximateIndex.name(of: kind)) vectors to index") }
        let lists = Self.lists(for: rows)
        let trainingCount = Self.trainingRows(lists: lists, rows: rows)

        // Pass 1: a uniform sample to train on (reservoir), and the check's queries among the
        // images that are ok.
        var reservoir = VectorReservoir(capacity: trainingCount, dimension: dimension, random: SplitMix64(seed: seed))
        try stream(data, after: nil) { ids, vectors, ok in
            for row in ids.indices { reservoir.offer(id: ids[row], ok: ok[row], row: row, of: vectors) }
        }
        var random = reservoir.random
        var sample = reservoir.vectors
        let sampleIDs = reservoir.ids
        let sampleOK = reservoir.ok
        guard !sampleIDs.isEmpty else { throw .empty("model \(modelID) has no \(ApproximateIndex.name(of: kind)) vectors to index") }
        progress("training \(counted(lists, "list")) on \(sampleIDs.count) of \(counted(rows, "vector"))")
        let trainingStarted = Date()
        let handle = try ApproximateIndex.create(dimension: dimension, lists: lists, reduced: Self.reduced(for: dimension))
        let index = ApproximateIndex(
            header: ApproximateIndex.Header(
                format: ApproximateIndex.currentFormat, instance: state.instance, modelID: modelID, kind: kind, dimension: dimension,
                revision: state.revision, build: Self.buildName(&random), builtAt: Self.now(), builtRows: 0, mergedRows: 0,
                lists: lists, reduced: Self.reduced(for: dimension), probes: 1, trainSeconds: 0, addSeconds: 0),
            handle: handle)
        // k-means wants 39 vectors a list: an index of fewer photos (one list) trains on its
        // rows repeated, which leaves the one centroid their mean, as without repeating.
        let wanted = 39 * lists
        if sampleIDs.count < wanted {
            let training = (0..<wanted).flatMap { sample[(($0 % sampleIDs.count) * dimension)..<(($0 % sampleIDs.count + 1) * dimension)] }
            try ApproximateIndex.train(handle, vectors: training, count: wanted)
        } else {
            try ApproximateIndex.train(handle, vectors: sample, count: sampleIDs.count)
        }
        let trainSeconds = Date().timeIntervalSince(trainingStarted)

        var queryRows = sampleIDs.indices.filter { sampleOK[$0] }
        queryRows.shuffle(using: &random)
        queryRows = Array(queryRows.prefix(checkQueries))
        var exact = ExactNeighbours(
            queries: queryRows.flatMap { sample[($0 * dimension)..<(($0 + 1) * dimension)] }, queryIDs: queryRows.map { sampleIDs[$0] },
            dimension: dimension)
        sample = []

        // Pass 2: every vector into the index, and past the queries.
        progress("adding \(rows) vectors")
        let addingStarted = Date()
        try stream(data, after: nil) { ids, vectors, ok in
            try index.add(ids: ids, vectors: vectors)
            try exact.consider(ids: ids, vectors: vectors, ok: ok)
        }
        index.header.builtRows = index.count
        index.header.trainSeconds = trainSeconds
        index.header.addSeconds = Date().timeIntervalSince(addingStarted)

        progress("checking recall on \(counted(exact.queryIDs.count, "sampled image"))")
        let figures = try probing(index, data: data, exact: exact, rows: rows, lists: lists)
        index.header.probes = figures[figures.count - 1].probes
        return Report(index: index, recall: figures)
    }

    /// The recall measured with 1, 2, 4… probes until it reaches the target (or every list),
    /// and with every list a small index can afford; the chosen one last.
    private func probing(
        _ index: ApproximateIndex, data: any ApproximateData, exact: ExactNeighbours, rows: Int, lists: Int
    ) throws(ApproximateError) -> [RecallCheck.Figure] {
        let check = RecallCheck(exact: exact)
        var figures = [RecallCheck.Figure]()
        var probes = 1
        while true {
            let figure = try check.measure(ApproximateSearch(index: index, data: data, probes: probes), delta: ApproximateSearch.Delta())
            figures.append(figure)
            if figure.recallAt10 >= targetRecall || probes >= lists { break }
            probes = min(lists, probes * 2)
        }
        // Where more lists cost little (a query scanning up to `affordableCodes`), they are
        // probed anyway: a small index then answers as the exact search does.
        let affordable = rows <= Self.affordableCodes ? lists : max(1, lists * Self.affordableCodes / rows)
        if affordable > probes {
            probes = affordable
            figures.append(try check.measure(ApproximateSearch(index: index, data: data, probes: probes), delta: ApproximateSearch.Delta()))
        }
        return Self.choosing(figures)
    }

    /// `figures` with the one chosen last: the last measured, unless another measured a
    /// higher recall@10 (then the highest, with the fewest probes). Recall does not always
    /// grow with the probes: among near-identical vectors, whose 4-bit codes tie, one probe
    /// measured 0.963 and every list 0.891.
    static func choosing(_ figures: [RecallCheck.Figure]) -> [RecallCheck.Figure] {
        guard let last = figures.last else { return figures }
        let best = figures.filter { $0.recallAt10 > last.recallAt10 }
            .min { ($1.recallAt10, $0.probes) < ($0.recallAt10, $1.probes) }
        guard let best else { return figures }
        return figures + [best]
    }

    /// Streams the model's descriptors of `kind` at unit length.
    func stream(
        _ data: any ApproximateData, after revision: Int64?, _ body: (_ ids: [Int64], _ vectors: [Float], _ ok: [Bool]) throws -> Void
    ) throws(ApproximateError) {
        let dimension = dimension
        do {
            try data.forEachVector(modelID: modelID, kind: kind, after: revision, dimension: dimension, chunk: 16_384) { ids, vectors, ok in
                try body(ids, ApproximateSearch.unitRows(vectors, dimension: dimension), ok)
            }
        } catch let error as ApproximateError {
            throw error
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .empty("\(error)")
        }
    }

    static func buildName(_ random: inout SplitMix64) -> String {
        String(format: "%016llx", random.next() ^ UInt64(Date().timeIntervalSince1970 * 1e6))
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date())
    }
}

/// The exact `k` nearest ok images of a few query rows (themselves left out), gathered as
/// the vectors stream past.
struct ExactNeighbours {
    let queries: [Float]
    let queryIDs: [Int64]
    let dimension: Int
    let k = 10
    /// Per query: the best so far (id, score), best first.
    private(set) var best: [[(id: Int64, score: Float)]]

    init(queries: [Float], queryIDs: [Int64], dimension: Int) {
        self.queries = queries
        self.queryIDs = queryIDs
        self.dimension = dimension
        best = Array(repeating: [], count: queryIDs.count)
    }

    mutating func consider(ids: [Int64], vectors: [Float], ok: [Bool]) throws(ApproximateError) {
        guard !queryIDs.isEmpty else { return }
        let dimension = dimension
        let rows = ids.indices.filter { ok[$0] }
        guard !rows.isEmpty else { return }
        let keptIDs = rows.map { ids[$0] }
        let kept = rows.count == ids.count ? vectors : rows.flatMap { vectors[($0 * dimension)..<(($0 + 1) * dimension)] }
        // One more than k: the query itself may be among them.
        let width = min(k + 1, keptIDs.count)
        var scores = [Float](repeating: 0, count: queryIDs.count * width)
        var found = [Int64](repeating: -1, count: queryIDs.count * width)
        let queries = queries
        let count = queryIDs.count
        if let reason = ApproximateIndex.withError({ error, size in
            kept.withUnsafeBufferPointer { x in
                keptIDs.withUnsafeBufferPointer { xi in
                    queries.withUnsafeBufferPointer { q in
                        scores.withUnsafeMutableBufferPointer { s in
                            found.withUnsafeMutableBufferPointer { f in
                                vgg_exact_search(
                                    Int32(dimension), Int64(xi.count), x.baseAddress, xi.baseAddress, Int64(count), q.baseAddress, Int32(width),
                                    s.baseAddress, f.baseAddress, error, size)
                            }
                        }
                    }
                }
            } == 0
        }) {
            throw .library(operation: "exact search", reason: reason)
        }
        for query in 0..<count {
            var merged = best[query]
            for j in 0..<width {
                let id = found[query * width + j]
                if id >= 0 && id != queryIDs[query] { merged.append((id, scores[query * width + j])) }
            }
            merged.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
            best[query] = Array(merged.prefix(k))
        }
    }
}

/// Recall of an approximate search against exact neighbours, as `similar` would answer:
/// the approximate answer re-ranked exactly, the query left out.
public struct RecallCheck {
    let exact: ExactNeighbours

    /// Recall on `queries` queries with `probes` lists probed.
    public struct Figure: Sendable {
        public var queries: Int
        public var probes: Int
        /// Share of queries whose first answer is the exact first (or scores as high).
        public var recallAt1: Double
        /// Share of the exact ten nearest among the ten answered (an answer scoring as high
        /// as the exact tenth counts: equal scores may be ordered either way).
        public var recallAt10: Double
        /// Mean time of one query, candidates read back and re-ranked included.
        public var secondsPerQuery: Double
    }

    func measure(_ search: ApproximateSearch, delta: ApproximateSearch.Delta) throws(ApproximateError) -> Figure {
        let dimension = exact.dimension
        let queries = exact.queryIDs.indices.map { Array(exact.queries[($0 * dimension)..<(($0 + 1) * dimension)]) }
        let started = Date()
        let answers = try search.nearest(queries, limit: exact.k, excluded: exact.queryIDs.map { [$0] }, delta: delta)
        let seconds = Date().timeIntervalSince(started)
        var at1 = 0.0
        var at10 = 0.0
        var counted = 0
        let tolerance: Float = 1e-5
        for (query, truth) in exact.best.enumerated() where !truth.isEmpty {
            counted += 1
            let answer = answers[query]
            if let first = answer.first, first.imageID == truth[0].id || first.score >= truth[0].score - tolerance { at1 += 1 }
            let truthIDs = Set(truth.map(\.id))
            let last = truth[truth.count - 1].score
            let hits = answer.prefix(truth.count).filter { truthIDs.contains($0.imageID) || $0.score >= last - tolerance }.count
            at10 += Double(hits) / Double(truth.count)
        }
        let n = Double(max(counted, 1))
        return Figure(
            queries: counted, probes: search.probes, recallAt1: at1 / n, recallAt10: at10 / n,
            secondsPerQuery: seconds / Double(max(queries.count, 1)))
    }
}
