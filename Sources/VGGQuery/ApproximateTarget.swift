import Foundation
import VGGApproximate
import VGGCommon
import VGGIndexTypes
import VGGModel

/// The approximate index of one model and kind of vector of an opened index: where its file
/// lives, and building, reading and checking it (`vggbatch index build|status|check`).
public struct ApproximateTarget {
    public let data: any ApproximateData
    public let state: RevisionState
    public let model: StoredModel
    public let kind: FeatureKind
    public let path: String

    /// Length of the vectors it holds.
    public var dimension: Int { ApproximateLookup.dimension(model: model, kind: kind) ?? model.featureDimension }

    /// The kind's name for a person (fc7, rmac, gem).
    public var name: String { kind.name(hasClassifier: model.architecture.hasClassifier) }

    /// The targets of the model asked for (or the default one): of the kinds `named` (nil:
    /// every kind the model has; empty: what `similar` and `duplicates` compare by default).
    public static func all(
        data: (any ApproximateData)?, models: any ModelCatalog, modelID: Int64?, named: [String]?, location: String,
        environment: [String: String]
    ) throws(QueryError) -> [ApproximateTarget] {
        guard let data else { throw .invalidArgument("\(location) cannot hold an approximate index") }
        let known: RevisionState?
        do throws(StoreError) {
            known = try data.revisionState(committed: false)
        } catch {
            throw .store(error)
        }
        guard let known else { throw .approximate(.noRevisions(location: location)) }
        let model = try SearchContext.chooseModel(models: models, requested: modelID)
        let kinds = try named.map { names throws(QueryError) in try FeatureChoice.approximateKinds(named: names, model: model) }
            ?? FeatureKind.allCases.filter { ApproximateLookup.dimension(model: model, kind: $0) != nil }
        let cacheDirectory = WeightsLocator.cacheDirectory(environment: environment)
        return kinds.map { kind in
            ApproximateTarget(
                data: data, state: known, model: model, kind: kind,
                path: ApproximateIndex.path(
                    databaseFile: data.databaseFile, cacheDirectory: cacheDirectory, instance: known.instance, modelID: model.id, kind: kind))
        }
    }

    /// Why `file` cannot answer for this index (nil when it can).
    public func unusable(_ file: ApproximateIndex) throws(QueryError) -> String? {
        do throws(ApproximateError) {
            return try file.unusable(data: data, state: state, modelID: model.id, kind: kind, dimension: dimension)
        } catch {
            throw .approximate(error)
        }
    }

    /// The file, if there is one, its lists mapped (status and checks only search it);
    /// `recheck` reads all its bytes to check them even when they were checked before.
    public func read(recheck: Bool = false) throws(QueryError) -> ApproximateIndex? {
        do throws(ApproximateError) {
            return try ApproximateIndex.read(path: path, mapped: true, recheck: recheck)
        } catch {
            throw .approximate(error)
        }
    }

    /// What a build made.
    public struct Built {
        public var report: ApproximateBuild.Report
        /// The file's size in bytes, when it could be told.
        public var bytes: Int64?
        /// The float vectors' size in bytes, which the file compares with.
        public var floatBytes: Double
        /// Seconds for the whole build, the check and the save.
        public var seconds: Double
        /// What a person should hear about the recall measured, if anything.
        public var recallWarning: String?
    }

    /// Builds the index (training, filling, measuring its recall and choosing its probes),
    /// writes the file and records it and its recall in the index.
    public func build(progress: (String) -> Void) throws(QueryError) -> Built {
        let started = Date()
        let report: ApproximateBuild.Report
        do throws(ApproximateError) {
            try ApproximateIndex.checkWritable(path: path)
            report = try ApproximateBuild(modelID: model.id, kind: kind, dimension: dimension).run(data: data, progress: progress)
            try report.index.save(path: path, in: data)
        } catch {
            throw .approximate(error)
        }
        if let chosen = report.recall.last, chosen.queries > 0 {
            do throws(StoreError) {
                try data.recordCheck(ApproximateCheck(chosen, build: report.index.header.build), modelID: model.id, kind: kind)
            } catch {
                throw .store(error)
            }
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? nil
        return Built(
            report: report, bytes: bytes, floatBytes: Double(report.index.count) * Double(dimension) * 4,
            seconds: Date().timeIntervalSince(started), recallWarning: report.recall.last.flatMap { Self.recallWarning($0, name: name) })
    }

    /// A recall@10 below 0.95 even probing every list is said, with what `similar` makes of it.
    static func recallWarning(_ figure: RecallCheck.Figure, name: String) -> String? {
        guard figure.queries > 0, figure.recallAt10 < 0.95 else { return nil }
        let use = figure.recallAt10 < ApproximateSimilar.minimumRecall
            ? String(format: "below %.2f, `similar` will not use it and compares every vector", ApproximateSimilar.minimumRecall)
            : "`similar --exact` gives the exact answer"
        return "\(name): recall@10 stays below 0.95 even probing every list; \(use)"
    }
}

extension ApproximateCheck {
    /// A measured recall as the index records it, for the build it measured.
    public init(_ figure: RecallCheck.Figure, build: String) {
        self.init(
            build: build, checkedAt: ISO8601DateFormatter().string(from: Date()), queries: figure.queries, probes: figure.probes,
            recallAt1: figure.recallAt1, recallAt10: figure.recallAt10)
    }
}
