import Foundation
import VGGCommon
import VGGPipeline
import VGGStore

/// One scan's hold on the index: the scan lock, the writer connection and a reader.
struct ScanSession {
    let lock: ScanLock
    let writer: IndexDatabase
    let reader: IndexDatabase

    static func open(databasePath: String, createDirectory: Bool) throws -> ScanSession {
        do throws(StoreError) {
            let directory = (databasePath as NSString).deletingLastPathComponent
            if createDirectory {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            var isDirectory: ObjCBool = false
            if !directory.isEmpty && !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
                throw StoreError.cannotOpen(path: databasePath, reason: "directory \(directory) does not exist")
            }
            let lock = try ScanLock(databasePath: databasePath)
            let writer = try IndexDatabase(path: databasePath, readOnly: false)
            let reader = try IndexDatabase(path: databasePath, readOnly: true)
            return ScanSession(lock: lock, writer: writer, reader: reader)
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// Closes both connections (the index is checkpointed into one file); the lock goes
    /// with the session.
    func close() {
        reader.close()
        writer.close()
    }

    /// Folds roots that lie inside other roots into them (an index written before roots
    /// were kept apart, where such files had two rows).
    func repairNestedRoots() throws -> [FoldedRoot] {
        do throws(StoreError) {
            return try writer.storeTransaction { () throws(StoreError) in try writer.foldNestedRoots() }
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// Runs the pipeline with Ctrl-C handling and records the run.
    func scan(
        options: ScanOptions, runOptions: String, model: LoadedModel, classifier: BatchClassifier, reporter: ScanReporter
    ) throws -> ScanOutcome {
        let modelID: Int64
        let runID: Int64
        do throws(StoreError) {
            modelID = try writer.modelID(
                weightsSHA256: model.identity.sha256, name: model.identity.known?.name,
                architecture: model.network.architecture.metadataValue, preprocessing: model.preset.rawValue,
                resizePolicy: options.preparation.policy.rawValue, featureDimension: model.network.architecture.featureWidth)
            if let location = model.location {
                try writer.recordWeightsLocation(
                    modelID: modelID, path: location.path, size: location.size, mtimeNanoseconds: location.mtimeNanoseconds)
            }
            runID = try writer.beginRun(options: runOptions, modelID: modelID)
        } catch {
            throw CommandFailure(error.reason)
        }
        let index = StoreScanIndex(writer: writer, reader: reader, runID: runID, modelID: modelID)
        let cancellation = CancellationFlag()
        let databasePath = writer.path
        let interrupts = InterruptHandler(
            cancellation: cancellation, onFirst: { reporter.interrupting() },
            beforeExit: { IndexDatabase.markInterrupted(path: databasePath, runID: runID) })
        defer { interrupts.restore() }

        let summary: ScanSummary
        do {
            summary = try ScanPipeline(options: options, index: index, classifier: classifier, cancellation: cancellation)
                .run { reporter.progress($0) }
        } catch {
            try? writer.finishRun(runID, status: "failed", counts: RunCounts())
            if let error = error as? StoreError { throw CommandFailure(error.reason) }
            throw error
        }
        // Bring the compact search data up to date (new images projected; a basis learned
        // once there are features). A failure here loses nothing: the next scan retries.
        do {
            let projected = try SearchMaintenance.update(writer, modelID: modelID, threads: model.network.options.threads)
            if projected > 0 { reporter.searchUpdated(projected) }
        } catch {
            printError("vggbatch: warning: search data not updated (\(error)); the next scan retries")
        }
        var counts = RunCounts()
        counts.new = summary.progress.new
        counts.changed = summary.progress.changed
        counts.touched = summary.progress.touched
        counts.computed = summary.progress.inferred
        counts.unchanged = summary.progress.unchanged
        counts.moved = summary.progress.moved
        counts.failed = summary.progress.failed
        counts.missing = summary.missing
        do throws(StoreError) {
            try writer.finishRun(runID, status: summary.interrupted ? "interrupted" : "finished", counts: counts)
        } catch {
            throw CommandFailure(error.reason)
        }
        return ScanOutcome(summary: summary, folded: index.folded, modelID: modelID)
    }
}

/// What a scan did, for the summary.
struct ScanOutcome {
    var summary: ScanSummary
    /// Known roots that lay inside a folder scanned now, folded into it.
    var folded: [FoldedRoot]
    /// The model the results were computed for.
    var modelID: Int64
}

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP: the first asks the scan to stop after the batch in
/// flight; a second exits at once (the index stays consistent: it is transactional), after
/// `beforeExit` has recorded the run as interrupted.
final class InterruptHandler {
    private static let signals = [SIGINT, SIGTERM, SIGHUP]
    private var sources: [DispatchSourceSignal] = []

    init(cancellation: CancellationFlag, onFirst: @escaping () -> Void, beforeExit: @escaping () -> Void) {
        // One queue for every signal, so two arriving together are handled in turn.
        let queue = DispatchQueue(label: "vggbatch-signals")
        for signalNumber in Self.signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                // Signals that arrive before the handler runs are merged into one event;
                // `data` says how many there were.
                if cancellation.isCancelled || source.data > 1 {
                    beforeExit()
                    exit(130)
                }
                cancellation.cancel()
                onFirst()
            }
            source.resume()
            sources.append(source)
        }
    }

    func restore() {
        for source in sources { source.cancel() }
        for signalNumber in Self.signals { signal(signalNumber, SIG_DFL) }
    }
}
