import Foundation
import VGGIndexTypes

/// An index held in memory that implements every store contract of VGGIndexTypes, for
/// testing the libraries above the stores (indexing, queries) without a database. It follows
/// the contracts as the SQL stores do, in the simplest way that is still right: one row per
/// file, results per model, missing files marked and never deleted but by `pruneMissing`.
public final class MemoryIndex: @unchecked Sendable {
    public struct Row {
        public var rootID: Int64
        public var relativePath: [UInt8]
        public var stat: FileStat
        public var fingerprint: [UInt8]?
        public var status: KnownFile.Status
        public var reason: String?
        public var lastRun: Int64
        public var format: ImageFormat? = nil
    }

    private let lock = NSLock()
    public var modelRows: [StoredModel] = []
    public var rootRows: [StoredRoot] = []
    public var rows: [Int64: Row] = [:]
    /// Results by model, then image.
    public var results: [Int64: [Int64: ImageResult]] = [:]
    public var codes: [Int64: [Int64: FeatureCode]] = [:]
    public var bases: [Int64: StoredBasis] = [:]
    public var projections: [Int64: [Int64: (coordinates: [Float], residual: Float)]] = [:]
    public var runRecords: [Int64: (record: RunRecord, counts: RunCounts)] = [:]
    private var nextID: Int64 = 1

    public init() {}

    /// The index as the reading commands see it.
    public var reader: IndexReader {
        IndexReader(location: "memory", models: Models(self), roots: Roots(self), runs: Runs(self), results: Results(self), search: Search(self))
    }

    /// The index as a scan sees it.
    public var writer: IndexWriter {
        IndexWriter(
            location: "memory", models: Models(self), roots: Roots(self), runs: Runs(self), search: Search(self),
            scanIndex: { runID, modelID in Files(self, runID: runID, modelID: modelID) }, close: {})
    }

    func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func newID() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }

    func path(of row: Row) -> [UInt8] {
        PathBytes.join(rootRows.first { $0.id == row.rootID }?.path ?? [], row.relativePath)
    }

    /// Drops every result of an image (new content), or only one model's.
    func dropResults(_ id: Int64, model: Int64? = nil) {
        for modelID in Set(results.keys).union(codes.keys).union(projections.keys) where model == nil || model == modelID {
            results[modelID]?[id] = nil
            codes[modelID]?[id] = nil
            projections[modelID]?[id] = nil
        }
    }

    // MARK: - Stores

    final class Models: ModelRegistry {
        let base: MemoryIndex
        init(_ base: MemoryIndex) { self.base = base }

        func all() throws(StoreError) -> [StoredModel] {
            base.locked {
                base.modelRows.map { model in
                    var counted = model
                    counted.imageCount = base.results[model.id]?.count ?? 0
                    return counted
                }
            }
        }

        func defaultModel() throws(StoreError) -> StoredModel? {
            let latest = base.locked { base.runRecords.keys.max().flatMap { _ in base.modelRows.last?.id } }
            return try all().max { ($0.imageCount, $0.id == latest ? 1 : 0, $0.id) < ($1.imageCount, $1.id == latest ? 1 : 0, $1.id) }
        }

        func model(id: Int64?) throws(StoreError) -> StoredModel? {
            guard let id else { return try defaultModel() }
            return try all().first { $0.id == id }
        }

        func register(_ r: ModelRegistration) throws(StoreError) -> Int64 {
            base.locked {
                if let known = base.modelRows.first(where: {
                    $0.weightsSHA256 == r.weightsSHA256 && $0.preprocessing == r.preprocessing && $0.resizePolicy == r.resizePolicy
                }) {
                    return known.id
                }
                let id = Int64(base.modelRows.count + 1)
                base.modelRows.append(StoredModel(id: id, registration: r, weights: nil, imageCount: 0))
                return id
            }
        }

        func recordWeightsLocation(modelID: Int64, _ location: WeightsLocation) throws(StoreError) {
            base.locked {
                guard let i = base.modelRows.firstIndex(where: { $0.id == modelID }) else { return }
                base.modelRows[i].weightsPath = location.path
                base.modelRows[i].weightsSize = location.size
                base.modelRows[i].weightsModifiedNanoseconds = location.mtimeNanoseconds
            }
        }
    }

    final class Roots: RootMaintenance {
        let base: MemoryIndex
        init(_ base: MemoryIndex) { self.base = base }

        func all() throws(StoreError) -> [StoredRoot] { base.locked { base.rootRows.sorted { $0.path.lexicographicallyPrecedes($1.path) } } }

        func statuses() throws(StoreError) -> [RootStatus] {
            try all().map { root in
                base.locked {
                    let rows = base.rows.values.filter { $0.rootID == root.id }
                    return RootStatus(
                        id: root.id, path: root.path, ok: rows.filter { $0.status == .ok }.count,
                        failed: rows.filter { $0.status == .failed }.count, missing: rows.filter { $0.status == .missing }.count)
                }
            }
        }

        func failures() throws(StoreError) -> [(path: [UInt8], reason: String)] {
            base.locked {
                base.rows.values.filter { $0.status == .failed }.map { (base.path(of: $0), $0.reason ?? "") }
                    .sorted { $0.path.lexicographicallyPrecedes($1.path) }
            }
        }

        func formats() throws(StoreError) -> [(format: String, images: Int)] {
            base.locked {
                var counts = [String: Int]()
                for row in base.rows.values where row.status == .ok { counts[row.format?.rawValue ?? "unknown", default: 0] += 1 }
                return counts.map { ($0.key, $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
            }
        }

        func foldNested() throws(StoreError) -> [FoldedRoot] { [] }

        func remove(_ root: StoredRoot) throws(StoreError) -> Int {
            base.locked {
                let ids = base.rows.filter { $0.value.rootID == root.id }.map(\.key)
                for id in ids {
                    base.rows[id] = nil
                    base.dropResults(id)
                }
                base.rootRows.removeAll { $0.id == root.id }
                return ids.count
            }
        }

        func pruneMissing() throws(StoreError) -> Int {
            base.locked {
                let ids = base.rows.filter { $0.value.status == .missing }.map(\.key)
                for id in ids {
                    base.rows[id] = nil
                    base.dropResults(id)
                }
                return ids.count
            }
        }
    }

    final class Runs: RunLog, RunRecorder {
        let base: MemoryIndex
        init(_ base: MemoryIndex) { self.base = base }

        func last() throws(StoreError) -> RunRecord? { base.locked { base.runRecords.max { $0.key < $1.key }?.value.record } }

        func begin(options: String, modelID: Int64) throws(StoreError) -> Int64 {
            base.locked {
                let id = base.newID()
                base.runRecords[id] = (RunRecord(started: "now", finished: nil, status: .running), RunCounts())
                return id
            }
        }

        func finish(_ id: Int64, status: RunStatus, counts: RunCounts) throws(StoreError) {
            base.locked { base.runRecords[id] = (RunRecord(started: "now", finished: "then", status: status), counts) }
        }

        func interruptionRecorder(runID: Int64) -> @Sendable () -> Void { {} }
    }
}
