import Foundation
import VGGCommon
import VGGIndexTypes

extension ApproximateIndex {
    /// Share of rows added since the build (merged or waiting) above which a rebuild is
    /// suggested: the lists were trained on what was there, and many new rows may not follow
    /// it (a new camera, a new kind of photo), which costs recall until the lists are learned
    /// again.
    public static let rebuildShare = 0.2

    /// Whether `waiting` rows above the revision plus those merged call for a rebuild.
    public func suggestsRebuild(waiting: Int) -> Bool {
        Double(header.mergedRows + waiting) > Self.rebuildShare * Double(max(header.builtRows, 1))
    }

    /// Brings the index up to `data`'s latest revision: the rows written since (new, changed,
    /// moved) lose their old entries and are added with their vectors now. Returns how many
    /// were merged. Write the file afterwards.
    @discardableResult
    public func merge(from data: any ApproximateData) throws(ApproximateError) -> Int {
        let known: RevisionState?
        do throws(StoreError) {
            known = try data.revisionState(committed: true)
        } catch {
            throw .store(error)
        }
        guard let state = known else { throw .noRevisions(location: "the index") }
        guard state.revision > header.revision else { return 0 }
        let build = ApproximateBuild(modelID: header.modelID, kind: header.kind, dimension: header.dimension)
        var merged = 0
        try build.stream(data, after: header.revision) { ids, vectors, _ in
            try remove(ids: ids)
            try add(ids: ids, vectors: vectors)
            merged += ids.count
        }
        header.revision = state.revision
        header.mergedRows += merged
        return merged
    }
}

/// `vggbatch index check`: recall of the index as it answers now (the rows written since it
/// was built scored as `similar` scores them), against exact answers over every current
/// descriptor, on rows sampled among the ok images.
public struct ApproximateIndexCheck {
    public var queries: Int
    public var probes: Int?
    public var seed: UInt64
    /// Query with these images (ok, with a descriptor) instead of sampled ones.
    public var chosen: [Int64]?

    public init(queries: Int = 200, probes: Int? = nil, seed: UInt64 = 2, chosen: [Int64]? = nil) {
        self.queries = queries
        self.probes = probes
        self.seed = seed
        self.chosen = chosen
    }

    public func run(index: ApproximateIndex, data: any ApproximateData) throws(ApproximateError) -> RecallCheck.Figure {
        let dimension = index.header.dimension
        let build = ApproximateBuild(modelID: index.header.modelID, kind: index.header.kind, dimension: dimension)
        var queryVectors = [Float]()
        var chosenIDs = [Int64]()
        var reservoir = VectorReservoir(capacity: queries, dimension: dimension, random: SplitMix64(seed: seed))
        let wanted = chosen.map { Set($0) }
        try build.stream(data, after: nil) { ids, vectors, ok in
            for row in ids.indices where ok[row] {
                guard let wanted else {
                    reservoir.offer(id: ids[row], ok: true, row: row, of: vectors)
                    continue
                }
                if wanted.contains(ids[row]) {
                    chosenIDs.append(ids[row])
                    queryVectors.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)])
                }
            }
        }
        if wanted == nil {
            chosenIDs = reservoir.ids
            queryVectors = reservoir.vectors
        }
        guard !chosenIDs.isEmpty else { throw .empty("no ok image has \(ApproximateIndex.name(of: index.header.kind)) vectors to query with") }
        var exact = ExactNeighbours(queries: queryVectors, queryIDs: chosenIDs, dimension: dimension)
        try build.stream(data, after: nil) { ids, vectors, ok in try exact.consider(ids: ids, vectors: vectors, ok: ok) }
        let search = ApproximateSearch(index: index, data: data, probes: probes)
        return try RecallCheck(exact: exact).measure(search, delta: try search.delta())
    }
}

/// Keeps a model's approximate indexes current after a scan, a worker's run or an import:
/// each one there is merges the rows written since (the file is replaced by rename); one made
/// from another index or for other vectors is left alone and reported.
public enum ApproximateUpkeep {
    /// What an upkeep did: rows merged, and lines for a person.
    public struct Outcome: Sendable {
        /// Rows merged into each index (by the name of its vectors: fc7, rmac, gem).
        public var merged: [(kind: String, rows: Int)] = []
        public var notes: [String] = []
        public init() {}

        /// One line for a person, nil when nothing was merged.
        public var summary: String? {
            guard !merged.isEmpty else { return nil }
            return "approximate indexes: merged the rows written since (" + merged.map { "\($0.kind) \($0.rows)" }.joined(separator: ", ") + ")"
        }
    }

    /// Merges into every approximate index of `modelID` that exists (for an SQLite index
    /// beside it, for a server in this machine's cache).
    public static func merge(
        data: (any ApproximateData)?, modelID: Int64, cacheDirectory: String
    ) -> Outcome {
        var outcome = Outcome()
        guard let data else { return outcome }
        let state: RevisionState
        do throws(StoreError) {
            guard let known = try data.revisionState(committed: false) else { return outcome }
            state = known
        } catch {
            outcome.notes.append("approximate index not updated (\(error.reason)); the next scan retries")
            return outcome
        }
        for kind in FeatureKind.allCases {
            let path = ApproximateIndex.path(
                databaseFile: data.databaseFile, cacheDirectory: cacheDirectory, instance: state.instance, modelID: modelID, kind: kind)
            do throws(ApproximateError) {
                guard let index = try ApproximateIndex.read(path: path) else { continue }
                if let stale = try index.unusable(data: data, state: state, modelID: modelID, kind: kind, dimension: index.header.dimension) {
                    outcome.notes.append("the approximate index \(path) is not used: \(stale); `vggbatch index build` makes a new one")
                    continue
                }
                let merged = try index.merge(from: data)
                guard merged > 0 else { continue }
                try index.save(path: path, in: data)
                outcome.merged.append((ApproximateIndex.name(of: kind), merged))
                if index.suggestsRebuild(waiting: 0) {
                    outcome.notes.append(
                        "\(index.header.mergedRows) rows were merged into the approximate \(ApproximateIndex.name(of: kind)) index since it was "
                            + "built with \(index.header.builtRows), more than a fifth; `vggbatch index build` learns its lists again")
                }
            } catch {
                outcome.notes.append("approximate index \(path) not updated (\(error.reason)); searches score the new rows in full")
            }
        }
        return outcome
    }
}
