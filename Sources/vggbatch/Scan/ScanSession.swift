import Foundation
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

    /// The absolute, symlink-resolved form of a root argument, as file-system bytes (kept
    /// as given, made absolute, when it cannot be resolved: the walk then reports it).
    static func absoluteRoot(_ argument: String) -> [UInt8] {
        if let resolved = realpath(argument, nil) {
            defer { free(resolved) }
            return Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
        }
        let absolute = argument.hasPrefix("/") ? argument : FileManager.default.currentDirectoryPath + "/" + argument
        return Array((absolute as NSString).standardizingPath.utf8)
    }

    /// The roots to walk: each resolved once, repeats dropped and roots inside another root
    /// of the same scan folded into it (its files are walked there), in the given order.
    static func distinctRoots(_ roots: [[UInt8]]) -> [[UInt8]] {
        var kept: [[UInt8]] = []
        for root in roots {
            let covered = kept.contains { outer in
                outer == root || (outer == [UInt8(ascii: "/")] || root.starts(with: outer + [UInt8(ascii: "/")]))
            }
            if covered { continue }
            kept.removeAll { $0.starts(with: root + [UInt8(ascii: "/")]) || (root == [UInt8(ascii: "/")] && $0 != root) }
            kept.append(root)
        }
        return kept
    }

    /// Runs the pipeline with Ctrl-C handling and records the run.
    func scan(
        options: ScanOptions, runOptions: String, model: LoadedModel, classifier: BatchClassifier, reporter: ScanReporter
    ) throws -> ScanSummary {
        let modelID: Int64
        let runID: Int64
        do throws(StoreError) {
            modelID = try writer.modelID(
                weightsSHA256: model.identity.sha256, name: model.identity.known?.name,
                architecture: model.network.architecture.metadataValue, preprocessing: model.preset.rawValue,
                resizePolicy: options.preparation.policy.rawValue, featureDimension: model.network.architecture.featureWidth)
            runID = try writer.beginRun(options: runOptions, modelID: modelID)
        } catch {
            throw CommandFailure(error.reason)
        }
        let index = StoreScanIndex(writer: writer, reader: reader, runID: runID, modelID: modelID)
        let cancellation = CancellationFlag()
        let interrupts = InterruptHandler(cancellation: cancellation) { reporter.interrupting() }
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
        counts.unchanged = summary.progress.unchanged
        counts.moved = summary.progress.moved
        counts.failed = summary.progress.failed
        counts.missing = summary.missing
        do throws(StoreError) {
            try writer.finishRun(runID, status: summary.interrupted ? "interrupted" : "finished", counts: counts)
        } catch {
            throw CommandFailure(error.reason)
        }
        return summary
    }
}

/// Ctrl-C (SIGINT) and SIGTERM: the first asks the scan to stop after the batch in flight;
/// a second Ctrl-C exits at once (the index stays consistent: it is transactional).
final class InterruptHandler {
    private var sources: [DispatchSourceSignal] = []

    init(cancellation: CancellationFlag, onFirst: @escaping () -> Void) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if cancellation.isCancelled { exit(130) }
                cancellation.cancel()
                onFirst()
            }
            source.resume()
            sources.append(source)
        }
    }

    func restore() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
