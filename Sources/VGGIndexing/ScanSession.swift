import Foundation
import VGGApproximate
import VGGEngine
import VGGImaging
import VGGIndexTypes
import VGGInference
import VGGModel
import VGGPipeline

/// One scan of an index: registers the model and the run, runs the pipeline over the
/// folders, marks vanished files missing, brings the search data up to date and records how
/// the run ended. Printing and signals are the caller's: progress comes back through
/// `progress`, and `runStarted` hands over a function that records the run as interrupted
/// (for a signal handler about to exit) and the cancellation flag that stops the scan after
/// the batch in flight.
public final class ScanSession {
    public let index: IndexWriter
    /// Where the approximate indexes' cache folder is found (XDG_CACHE_HOME, HOME).
    public let environment: [String: String]

    public init(index: IndexWriter, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.index = index
        self.environment = environment
    }

    /// What a scan did.
    public struct Outcome: Sendable {
        public var summary: ScanSummary
        /// Known roots that lay inside a folder scanned now, folded into it.
        public var folded: [FoldedRoot]
        /// The model the results were computed for.
        public var modelID: Int64
        /// Images whose search data was brought up to date after the scan.
        public var searchUpdated: Int
        /// Set when the search data could not be updated (the next scan retries).
        public var searchWarning: String?
        /// What keeping the model's approximate indexes current did.
        public var approximate = ApproximateUpkeep.Outcome()
    }

    /// Folds roots that lie inside other roots (an index written before roots were kept
    /// apart, where such files had two rows).
    public func repairNestedRoots() throws(IndexingError) -> [FoldedRoot] {
        do throws(StoreError) {
            return try index.roots.foldNested()
        } catch {
            throw .store(error)
        }
    }

    /// How a scan takes the files of an index with a shared queue (PostgreSQL); an index
    /// without one computes its folders here.
    public struct SharedQueue: Sendable {
        public var claims = QueueClaims()
        /// Only walk and queue, for `vggbatch work` elsewhere: nothing computed or marked
        /// missing here.
        public var queueOnly = false

        public init() {}
    }

    /// Runs the scan of `folders` to its end (or until `cancellation` is set).
    public func scan(
        folders: FolderScan, shared: SharedQueue = SharedQueue(), options: ScanOptions, runOptions: String, model: LoadedModel,
        classifier: BatchClassifier, cancellation: CancellationFlag,
        runStarted: (_ recordInterruption: @escaping @Sendable () -> Void) -> Void = { _ in },
        progress: (ScanProgress) -> Void
    ) throws(IndexingError) -> Outcome {
        let modelID: Int64
        let runID: Int64
        do throws(StoreError) {
            modelID = try index.models.register(
                model.registration(resizePolicy: options.preparation.policy, color: options.preparation.color))
            if let location = model.location { try index.models.recordWeightsLocation(modelID: modelID, location) }
            runID = try index.runs.begin(options: runOptions, modelID: modelID)
            // With a shared queue the scan is one of the workers, unless it only queues.
            if !shared.queueOnly { try index.workers?.register(modelID: modelID) }
        } catch {
            throw .store(error)
        }
        runStarted(index.runs.interruptionRecorder(runID: runID))
        let scanIndex = SearchCoding.coding(index.scanIndex(runID: runID, modelID: modelID))
        let source: ScanSource = index.workers == nil
            ? .folders(folders) : .queuedFolders(folders, claims: shared.claims, queueOnly: shared.queueOnly)
        let summary: ScanSummary
        do {
            summary = try ScanPipeline(options: options, source: source, index: scanIndex, classifier: classifier, cancellation: cancellation)
                .run(progress: progress)
        } catch {
            try? index.runs.finish(runID, status: .failed, counts: RunCounts())
            throw IndexingError.from(error)
        }
        // A failure here loses nothing: the next scan retries.
        var updated = 0
        var warning: String?
        do throws(StoreError) {
            updated = try SearchMaintenance.update(
                index, modelID: modelID, threads: model.network.options.threads, kernels: model.network.kernels)
        } catch {
            warning = "search data not updated (\(error.reason)); the next scan retries"
        }
        let approximate = ApproximateUpkeep.merge(
            data: index.approximate, modelID: modelID, cacheDirectory: WeightsLocator.cacheDirectory(environment: environment))
        var counts = RunCounts()
        counts.new = summary.progress.new
        counts.changed = summary.progress.changed
        counts.touched = summary.progress.touched
        counts.computed = summary.progress.inferred
        counts.unchanged = summary.progress.unchanged
        counts.moved = summary.progress.moved
        counts.failed = summary.progress.failed
        counts.missing = summary.missing
        counts.heldBack = summary.heldBack
        do throws(StoreError) {
            try index.runs.finish(runID, status: summary.interrupted ? .interrupted : .finished, counts: counts)
        } catch {
            throw .store(error)
        }
        return Outcome(
            summary: summary, folded: scanIndex.folded, modelID: modelID, searchUpdated: updated, searchWarning: warning,
            approximate: approximate)
    }

    /// Works the shared queue of an index with workers for `modelID` (the model the loaded
    /// weights are): claims batches, computes them and writes them, until the queue is done
    /// (or for ever with `follow`, or until `cancellation`). Walks nothing and marks nothing
    /// missing: the scan that queued the files does that when the queue is done.
    public func work(
        options: ScanOptions, claims: QueueClaims, follow: Bool, model: LoadedModel, modelID: Int64, classifier: BatchClassifier,
        cancellation: CancellationFlag, progress: (ScanProgress) -> Void
    ) throws(IndexingError) -> ScanSummary {
        guard let workers = index.workers else { throw .noQueue(location: index.location) }
        do throws(StoreError) {
            try workers.register(modelID: modelID)
        } catch {
            throw .store(error)
        }
        let scanIndex = SearchCoding.coding(index.scanIndex(runID: -1, modelID: modelID))
        do {
            return try ScanPipeline(
                options: options, source: .queue(claims: claims, follow: follow), index: scanIndex, classifier: classifier,
                cancellation: cancellation
            ).run(progress: progress)
        } catch {
            throw IndexingError.from(error)
        }
    }

    /// The model a worker computes for: the one the most files wait for (or `id`), and the
    /// number waiting; nil when nothing waits.
    public func waitingModel(id: Int64?) throws(IndexingError) -> (model: StoredModel, waiting: Int)? {
        guard let workers = index.workers else { throw .noQueue(location: index.location) }
        let waiting: [(model: StoredModel, waiting: Int)]
        let models: [StoredModel]
        do throws(StoreError) {
            waiting = try workers.waitingModels()
            models = try index.models.all()
        } catch {
            throw .store(error)
        }
        guard let id else { return waiting.first }
        if let found = waiting.first(where: { $0.model.id == id }) { return found }
        guard let model = models.first(where: { $0.id == id }) else { throw .noModel(id) }
        return (model, 0)
    }

    /// `waitingModel`, and with `follow` waiting for work to come (`onIdle` hears once that
    /// the queue is empty) until some does or `cancellation` is set; nil when nothing waits.
    public func waitingModel(
        id: Int64?, follow: Bool, cancellation: CancellationFlag, pollInterval: Double = 0.5, onIdle: () -> Void = {}
    ) throws(IndexingError) -> (model: StoredModel, waiting: Int)? {
        var waiting = try waitingModel(id: id)
        if waiting == nil && follow { onIdle() }
        while waiting == nil && follow && !cancellation.isCancelled {
            Thread.sleep(forTimeInterval: pollInterval)
            waiting = try waitingModel(id: id)
        }
        return waiting
    }
}
