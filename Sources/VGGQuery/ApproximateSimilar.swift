import Foundation
import VGGApproximate
import VGGCommon
import VGGEngine
import VGGIndexTypes
import VGGModel
import VGGSearch

/// `similar` through an approximate index (`vggbatch index build`): used for fc7, GeM and
/// R-MAC when the index has one for the model, holds at least `minimumRows` entries, and no filter
/// (`--under`, `--label`) or page was asked for; the candidates it proposes are re-ranked
/// with the stored vectors, so every reported score is exact.
public enum ApproximateSimilar {
    /// Entries from which an approximate index answers `similar` when there is one: below,
    /// the exact search reads all vectors in about the time of a whole approximate command
    /// (Benchmarks/README.md, "Approximate search"). `VGGBATCH_APPROXIMATE_ABOVE` sets it.
    public static let defaultMinimumRows = 50_000

    /// The threshold in effect (`VGGBATCH_APPROXIMATE_ABOVE`, else the default); a value that
    /// is not a count of images is refused rather than ignored.
    public static func minimumRows(environment: [String: String]) throws(QueryError) -> Int {
        guard let text = environment["VGGBATCH_APPROXIMATE_ABOVE"], !text.isEmpty else { return defaultMinimumRows }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw .invalidArgument("VGGBATCH_APPROXIMATE_ABOVE=\(text): give a number of images (0 or more)")
        }
        return value
    }

    /// What an approximate `similar` found and how.
    public struct Answer {
        public var results: [ApproximateSearch.Match]
        public var topClasses: [Int64: [Int]]
        public var model: StoredModel
        public var header: ApproximateIndex.Header
        /// Entries of the approximate index.
        public var entries: Int
        /// Rows written since it was built or updated, scored exactly.
        public var delta: Int
        /// The recall last measured on this build, if any.
        public var check: ApproximateCheck?
        public var candidates: Int
        public var probes: Int
        public var suggestsRebuild: Bool
        public var seconds: Double
        /// Lines for a person about what the search did to the index (a merge of many new rows).
        public var notes: [String]
    }

    /// Rows written since the index was built from which a search merges them into the file
    /// (once; the searches after it are fast again): 10,000, or 1 % of the entries if more.
    public static func mergeThreshold(entries: Int) -> Int { max(10_000, entries / 100) }

    /// Recall@10 below which a measured index does not answer: its answers would miss one
    /// neighbour in ten or more (unstructured vectors, such as random weights' descriptors,
    /// defeat the lists), so the exact search answers, said. The build aims at 0.97 and warns
    /// below 0.95.
    public static let minimumRecall = 0.90

    /// The most results the approximate path gives (4 × as many candidates); more are found
    /// by the exact search.
    public static let maximumLimit = 250

    /// Why the approximate path did not answer: `note` is a line for a person when something is
    /// wrong with an index that exists (nil when it simply does not apply).
    public enum Outcome {
        case answered(Answer)
        case notUsed(note: String?)
    }
}

/// The approximate index that may answer for one model's vectors of one kind.
public enum ApproximateLookup {
    case usable(ApproximateIndex, path: String, data: any ApproximateData)
    /// None applies; `note` is a line for a person when an index exists but cannot be used.
    case none(note: String?)

    /// The index of `kind` of `model` when there is one that serves this index and holds at
    /// least `minimumRows` entries.
    public static func find(
        index: IndexReader, model: StoredModel, kind: FeatureKind, cacheDirectory: String, minimumRows: Int, mapped: Bool = true
    ) throws(QueryError) -> ApproximateLookup {
        guard let data = index.approximate, let dimension = ApproximateLookup.dimension(model: model, kind: kind) else { return .none(note: nil) }
        let state: RevisionState?
        do throws(StoreError) {
            state = try data.revisionState(committed: false)
        } catch {
            throw .store(error)
        }
        guard let state else { return .none(note: nil) }
        let path = ApproximateIndex.path(
            databaseFile: data.databaseFile, cacheDirectory: cacheDirectory, instance: state.instance, modelID: model.id, kind: kind)
        let file: ApproximateIndex?
        do throws(ApproximateError) {
            file = try ApproximateIndex.read(path: path, mapped: mapped)
        } catch {
            return .none(note: "\(error.reason); comparing exactly (`vggbatch index build` makes a new one)")
        }
        guard let file else { return .none(note: nil) }
        // A file that is not this index's is said whatever its size; a small one is simply not used.
        let unusable: String?
        do throws(ApproximateError) {
            unusable = try file.unusable(data: data, state: state, modelID: model.id, kind: kind, dimension: dimension)
        } catch {
            throw .approximate(error)
        }
        if let unusable {
            return .none(note: "the approximate index \(path) is not used: \(unusable); comparing exactly (`vggbatch index build` makes a new one)")
        }
        guard file.count >= minimumRows else { return .none(note: nil) }
        return .usable(file, path: path, data: data)
    }

    /// Length of the vectors of `kind` of `model` an approximate index can hold: fc7 (4096)
    /// and the pooled descriptors; nil for pool5 (25,088 values, too long to learn a PCA of
    /// here), which is searched exactly.
    public static func dimension(model: StoredModel, kind: FeatureKind) -> Int? {
        guard kind == .network else { return model.architecture.descriptorWidth }
        return model.architecture.hasClassifier ? model.featureDimension : nil
    }
}

extension SimilarSearch {
    /// Answers through the approximate index of `kind` when it applies (see
    /// `ApproximateSimilar`), else says why not.
    /// `recorder` opens the index to record a merged file (nil when it cannot now: an SQLite
    /// index's scan holds it); a search that finds many rows written since merges them.
    /// `alsoAsked` names options of the caller that the approximate path does not serve
    /// (`--html`): with them, or `under`, `label` or a limit past `maximumLimit`, an index
    /// that could answer is not used, and the note says why.
    public func runApproximate(
        index: IndexReader, modelID requested: Int64?, kind: FeatureKind, cacheDirectory: String, minimumRows: Int, threads: Int,
        engine: EngineOptions, environment: [String: String], onWarning: (String) -> Void, alsoAsked: [String] = [],
        recorder: () -> (data: any ApproximateData, close: () -> Void)? = { nil }
    ) throws(QueryError) -> ApproximateSimilar.Outcome {
        let model = try SearchContext.chooseModel(index: index, requested: requested)
        _ = try filters(model: model)
        let started = Date()
        let found = try ApproximateLookup.find(index: index, model: model, kind: kind, cacheDirectory: cacheDirectory, minimumRows: minimumRows)
        guard case .usable(let file, let path, let data) = found else {
            if case .none(let note) = found { return .notUsed(note: note) }
            return .notUsed(note: nil)
        }
        if let note = try reasonNotToUse(index: index, model: model, kind: kind, file: file, path: path, data: data, alsoAsked: alsoAsked, onWarning: onWarning) {
            return .notUsed(note: note)
        }
        let dimension = file.header.dimension
        let (query, used) = try queryDirection(
            index: index, model: model, kind: kind, dimension: dimension, name: kind.name(hasClassifier: model.architecture.hasClassifier),
            engine: engine, environment: environment, onWarning: onWarning
        ) { id throws(QueryError) in
            do throws(StoreError) {
                return try data.vectors(imageIDs: [id], modelID: model.id, kind: kind).first ?? nil
            } catch {
                throw .store(error)
            }
        }
        let excluded = Set(used)
        ApproximateIndex.setThreads(threads)
        var search = ApproximateSearch(index: file, data: data, candidates: max(100, 4 * limit))
        let results: [ApproximateSearch.Match]
        var delta: ApproximateSearch.Delta
        let check: ApproximateCheck?
        var topClasses = [Int64: [Int]]()
        var notes = [String]()
        do throws(ApproximateError) {
            delta = try search.delta()
            if delta.count >= ApproximateSimilar.mergeThreshold(entries: file.count) {
                // Many rows came since (a PostgreSQL index's workers, or a scan by an older
                // vggbatch): merged here once, so the searches after this one are fast again.
                if let writable = recorder() {
                    defer { writable.close() }
                    do throws(ApproximateError) {
                        guard let whole = try ApproximateIndex.read(path: path) else { throw ApproximateError.file(path: path, reason: "gone") }
                        let merged = try whole.merge(from: writable.data)
                        try whole.save(path: path, in: writable.data)
                        search = ApproximateSearch(index: whole, data: data, candidates: search.candidates)
                        delta = try search.delta()
                        notes.append("merged \(counted(merged, "new row")) into the approximate index \(path)")
                    } catch {
                        notes.append("the rows written since the approximate index was built are scored in full (\(error.reason))")
                    }
                }
            }
            // Scored as the exact search verifies, so both report the same numbers.
            results = try search.nearest(
                [query], limit: limit, excluded: [includeSelf ? [] : excluded], minimumScore: minimumScore, delta: delta,
                score: { DuplicateFinder.cosine($0, $1) })[0]
        } catch {
            // The file or FAISS failed: the exact search answers, and the reason is said.
            if case .store(let store) = error { throw .store(store) }
            return .notUsed(note: "the approximate index \(path) could not answer (\(error.reason)); comparing exactly")
        }
        do throws(StoreError) {
            check = try data.lastCheck(modelID: model.id, kind: kind).flatMap { $0.build == search.index.header.build ? $0 : nil }
            if model.architecture.hasClassifier {
                topClasses = try index.results.topFiveClasses(modelID: model.id, imageIDs: results.map(\.imageID))
            }
        } catch {
            throw .store(error)
        }
        return .answered(ApproximateSimilar.Answer(
            results: results, topClasses: topClasses, model: model, header: search.index.header, entries: search.index.count, delta: delta.count,
            check: check, candidates: search.candidates, probes: search.probes, suggestsRebuild: search.index.suggestsRebuild(waiting: delta.count),
            seconds: Date().timeIntervalSince(started), notes: notes))
    }

    /// Why a usable approximate index is not used for this search (the exact search answers,
    /// and the note says why), or nil; warns about images the index cannot hold.
    private func reasonNotToUse(
        index: IndexReader, model: StoredModel, kind: FeatureKind, file: ApproximateIndex, path: String, data: any ApproximateData,
        alsoAsked: [String], onWarning: (String) -> Void
    ) throws(QueryError) -> String? {
        // Filters would leave too few of its candidates, and past a few hundred results the
        // candidates would not cover them: the exact search, said.
        let unserved = (under == nil ? [] : ["--under"]) + (label == nil ? [] : ["--label"])
            + (limit > ApproximateSimilar.maximumLimit ? ["--limit over \(ApproximateSimilar.maximumLimit)"] : []) + alsoAsked
        if !unserved.isEmpty {
            return "the approximate index is not used with \(unserved.joined(separator: " or ")); comparing every vector"
        }
        do throws(StoreError) {
            if let measured = try data.lastCheck(modelID: model.id, kind: kind), measured.build == file.header.build,
                measured.recallAt10 < ApproximateSimilar.minimumRecall {
                return String(
                    format: "the approximate index %@ is not used: its recall@10 was measured at %.3f, below %.2f; comparing every vector "
                        + "(`vggbatch index check` measures it again)", path, measured.recallAt10, ApproximateSimilar.minimumRecall)
            }
            // As the exact search says it: those images are in neither (counts kept as rows are written).
            if kind != .network {
                let lacking = try index.search.imagesWithoutDescriptor(modelID: model.id, kind: kind)
                if lacking > 0 { onWarning(FeatureChoice.leftOut(lacking, kind: kind)) }
            }
        } catch {
            throw .store(error)
        }
        return nil
    }
}
