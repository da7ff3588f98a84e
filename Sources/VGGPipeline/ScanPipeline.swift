import VGGIndexTypes
import Foundation
import VGGCommon
import VGGImaging

/// The stages every scan shares: how many threads decode, and how images are prepared.
public struct ScanOptions: Sendable {
    /// Threads that read, fingerprint, decode and resize files.
    public var decodeThreads: Int

    /// Decode threads by default: one per core, up to 4. They sleep whenever the engine has
    /// its next batches, so they cost nothing then; with one decoder a 12 MP photo library
    /// left a tenth of two cores idle while the engine waited (Benchmarks/README.md, "Phone
    /// photos").
    public static var defaultDecodeThreads: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }
    public var preparation: ImagePreparation

    public init(decodeThreads: Int, preparation: ImagePreparation) {
        self.decodeThreads = decodeThreads
        self.preparation = preparation
    }
}

/// The folders a scan walks, and what it may conclude from the files it did not find.
public struct FolderScan: Sendable {
    /// Absolute folders to scan, as file-system bytes (each a root, or a folder inside one).
    public var roots: [[UInt8]]
    public var walk: WalkOptions
    /// Mark vanished files missing even when most of a root vanished at once.
    public var acceptMassMissing: Bool
    /// A root where more than this fraction of known files vanished (and at least
    /// `protectionMinimum` of them) is treated as unmounted: nothing is marked missing.
    public var protectionFraction: Double = 0.5
    public var protectionMinimum: Int = 10

    public init(roots: [[UInt8]], walk: WalkOptions, acceptMassMissing: Bool) {
        self.roots = roots
        self.walk = walk
        self.acceptMassMissing = acceptMassMissing
    }
}

/// How files are claimed from a shared work queue (`QueuedFiles`), by a scan or a worker.
public struct QueueClaims: Sendable {
    /// A file claimed this many times without a result (each worker that took it died) is
    /// stored as failed instead of being handed out again.
    public var maxAttempts = 5
    /// Seconds between claims while nothing is free.
    public var pollInterval = 0.5
    /// Files claimed at a time (at least the engine's batch), computed in engine batches and
    /// renewed with the rest of the process's claims. A claim is one round trip and one
    /// transaction on the server: claiming more than a batch lets a fleet of fast workers
    /// go past what one server answers per second, while 32 files are still only seconds of
    /// work for the slowest machine, so the end of a queue is not left waiting on one worker.
    public var claimSize = QueueClaims.defaultClaimSize
    public static let defaultClaimSize = 32

    public init() {}
}

/// Where a scan's files come from; each source feeds the same stages (decode, network,
/// writer) and carries only its own settings.
public enum ScanSource: Sendable {
    /// The folders, walked and computed here (an index without a shared queue).
    case folders(FolderScan)
    /// The folders, walked into the index's shared queue and claimed back from it beside the
    /// other workers (a PostgreSQL scan). With `queueOnly` they are only walked and queued,
    /// for the workers: nothing is computed or marked missing here then.
    case queuedFolders(FolderScan, claims: QueueClaims, queueOnly: Bool)
    /// Files claimed from the index's shared queue only (`vggbatch work`): until the queue
    /// is done, or for ever with `follow`, or until cancelled.
    case queue(claims: QueueClaims, follow: Bool)
    /// Paths read from a stream (`classify --files-from`), nothing looked up in an index.
    case stream(StreamedFiles)

    /// The folders walked, if any.
    var folders: FolderScan? {
        switch self {
        case .folders(let folders), .queuedFolders(let folders, _, _): return folders
        case .queue, .stream: return nil
        }
    }
}

/// The staged scan: a file source (a walk of the folders, or the work queue a walk fills;
/// `FileSource`) → decode workers → bounded queue → batcher and network → one
/// writer. Each stage has its own threads; bounded queues between them keep memory flat.
/// Every record carries its file, so a failed or slow file can never shift results onto
/// a neighbour.
public final class ScanPipeline {
    private let options: ScanOptions
    private let source: ScanSource
    private let index: ScanIndex
    private let classifier: BatchClassifier
    private let cancellation: CancellationFlag
    private let state = SharedState()

    public init(options: ScanOptions, source: ScanSource, index: ScanIndex, classifier: BatchClassifier, cancellation: CancellationFlag) {
        self.options = options
        self.source = source
        self.index = index
        self.classifier = classifier
        self.cancellation = cancellation
    }

    /// Runs the scan to the end (or until cancelled, finishing the batch in flight) and
    /// reports progress about twice a second from the calling thread.
    public func run(progress: (ScanProgress) -> Void) throws -> ScanSummary {
        let started = Date()
        let processBefore = CPUTime.process()
        let engineBefore = classifier.engineCPUSeconds
        // A folder given twice is walked once (twice would race its own rows).
        var targets = [ScanTarget]()
        for root in self.source.folders?.roots ?? [] {
            let target = try index.target(for: root)
            if !targets.contains(target) { targets.append(target) }
        }
        let source = fileSource(targets)
        let work = BoundedQueue<WorkItem>(capacity: source.capacity(batchSize: classifier.maxBatchSize))
        let prepared = BoundedQueue<PreparedItem>(capacity: max(2 * classifier.maxBatchSize, 8))
        let records = BoundedQueue<ScanRecord>(capacity: 4096)
        let decoders = DispatchGroup()
        for index in 0..<max(1, options.decodeThreads) {
            decoders.enter()
            let thread = Thread { [self] in
                decode(from: work, into: prepared, records: records)
                decoders.leave()
            }
            thread.name = "vggbatch-decode-\(index)"
            thread.start()
        }
        let writerDone = DispatchSemaphore(value: 0)
        let writer = Thread { [self] in
            writeAll(from: records)
            writerDone.signal()
        }
        writer.name = "vggbatch-writer"
        writer.start()
        source.start(into: work, records: records)
        DispatchQueue.global().async {
            decoders.wait()
            prepared.close()
        }

        infer(from: prepared, records: records, started: started, progress: progress)
        records.close()
        writerDone.wait()
        if cancellation.isCancelled || state.failure != nil { source.abandon() }
        if let failure = state.failure { throw failure }

        var summary = ScanSummary(progress: state.snapshot(seconds: Date().timeIntervalSince(started)))
        summary.interrupted = cancellation.isCancelled
        summary.writeSeconds = state.writeSeconds
        summary.inferenceSeconds = state.inferenceSeconds
        summary.decodeCoreSeconds = state.decodeCoreSeconds
        summary.engineCoreSeconds = classifier.engineCPUSeconds - engineBefore
        summary.processCoreSeconds = CPUTime.process() - processBefore
        summary.walkProblems = state.walkProblems
        summary.unavailableRoots = state.unavailableRoots
        summary.incompleteRoots = state.incompleteRoots
        summary.emptyFolders = state.emptyFolders
        if !summary.interrupted && source.seesEveryFile, let folders = self.source.folders {
            try markVanished(targets, folders: folders, in: &summary)
        }
        summary.progress.seconds = Date().timeIntervalSince(started)
        progress(summary.progress)
        return summary
    }

    /// The source of `self.source`'s files over the walked `targets`.
    private func fileSource(_ targets: [ScanTarget]) -> any FileSource {
        switch source {
        case .folders(let folders):
            return WalkedFiles(walk: folderWalk(targets, folders.walk))
        case .queuedFolders(let folders, let claims, let queueOnly):
            // Without a shared queue the folders are computed here.
            guard let queue = index.workQueue else { return WalkedFiles(walk: folderWalk(targets, folders.walk)) }
            return QueuedFiles(
                queue: queue, walk: folderWalk(targets, folders.walk), claims: claims, follow: false, queueOnly: queueOnly,
                preparation: options.preparation, batchSize: classifier.maxBatchSize, state: state, cancellation: cancellation)
        case .queue(let claims, let follow):
            // Without a shared queue there is nothing to claim: a walk of nothing.
            guard let queue = index.workQueue else { return WalkedFiles(walk: folderWalk([], WalkOptions())) }
            return QueuedFiles(
                queue: queue, walk: nil, claims: claims, follow: follow, queueOnly: false,
                preparation: options.preparation, batchSize: classifier.maxBatchSize, state: state, cancellation: cancellation)
        case .stream(let stream):
            return stream.source(state: state)
        }
    }

    /// Marks what vanished from each target walked to its end missing, but for a root most of
    /// whose files vanished at once (an unmounted drive?), which is only reported.
    private func markVanished(_ targets: [ScanTarget], folders: FolderScan, in summary: inout ScanSummary) throws {
        let unavailable = Set(summary.unavailableRoots.map(\.path))
        for (number, target) in targets.enumerated() {
            guard let unwalked = state.completedRoots[number] else {
                // A root that could not be walked: what the index holds there is held back.
                if unavailable.contains(PathBytes.display(target.path)) {
                    summary.unwalkedKnown += try index.vanished(in: target, unwalked: []).vanished
                }
                continue
            }
            let (vanished, known) = try index.vanished(in: target, unwalked: unwalked)
            if vanished == 0 { continue }
            let massive = vanished >= folders.protectionMinimum && Double(vanished) > folders.protectionFraction * Double(known)
            if massive && !folders.acceptMassMissing {
                summary.protectedRoots.append((PathBytes.display(target.path), vanished, known))
            } else {
                summary.missing += try index.markVanishedMissing(in: target, unwalked: unwalked)
            }
        }
    }

    // MARK: - Stages

    private struct PreparedItem {
        var file: FoundFile
        var known: KnownFile?
        var fingerprint: [UInt8]
        var prepared: PreparedImage
    }

    /// The walk of `targets`, which unchanged files leave straight for the writer.
    private func folderWalk(_ targets: [ScanTarget], _ walk: WalkOptions) -> FolderWalk {
        FolderWalk(targets: targets, options: walk, index: index, state: state, cancellation: cancellation)
    }

    /// Whether a file whose size, time and inode are as stored needs no work: it was
    /// classified, or it failed to decode (a known content that is not retried until it
    /// changes). A file that could not even be read (no fingerprint), or one whose earlier
    /// content had results, failed for a reason that may pass, so it is tried again.
    static func settled(_ known: KnownFile) -> Bool {
        switch known.status {
        case .ok: return known.isComplete
        case .failed: return known.fingerprint != nil && !known.hasResults
        case .missing: return false
        }
    }

    /// The fingerprint of a file whose read failed because of what it holds (empty, too large
    /// to read): read again as far as the fingerprint needs. Nil for a failure that may pass.
    static func contentFingerprint(of file: FoundFile, after error: ImagingError) -> [UInt8]? {
        switch error {
        case .empty, .fileTooLarge: return try? FileFingerprint.compute(path: file.absolutePath)
        default: return nil
        }
    }

    /// Fingerprints each file; recognises touched and moved files without decoding them;
    /// decodes and resizes the rest.
    private func decode(from work: BoundedQueue<WorkItem>, into prepared: BoundedQueue<PreparedItem>, records: BoundedQueue<ScanRecord>) {
        while let item = work.take() {
            if cancellation.isCancelled || state.failure != nil { continue }
            let before = CPUTime.thread()
            defer { state.addDecodeCPU(CPUTime.thread() - before) }
            let display = PathBytes.display(item.file.absolutePath)
            let bytes: [UInt8]
            do throws(ImagingError) {
                bytes = try ImageDecoder.readFile(
                    pathBytes: item.file.absolutePath, displayPath: display,
                    limit: DecodeOptions.defaultMaxFileBytes)
            } catch {
                // An empty or oversized file is what its content is, like a corrupt one: its
                // fingerprint says so and it is not tried again until it changes. Only a file
                // that could not be read (which may pass) has none.
                records.put(.failed(item.file, replacing: item.known, fingerprint: Self.contentFingerprint(of: item.file, after: error), reason: error.reason))
                continue
            }
            let fingerprint = FileFingerprint.compute(bytes)
            // Same content already classified (touched, restored, back from missing, readable
            // again): the results stand, whatever the row's status was.
            if let known = item.known, known.fingerprint == fingerprint, known.isComplete {
                records.put(.metadataChanged(known, item.file.stat))
                continue
            }
            if item.known == nil {
                do {
                    if let vanished = try index.claimVanishedFile(fingerprint: fingerprint) {
                        records.put(.moved(from: vanished, to: item.file))
                        continue
                    }
                } catch {
                    state.fail(error)
                    continue
                }
            }
            do throws(ImagingError) {
                let image = try (item.preparation ?? options.preparation).prepare(bytes: bytes, path: display)
                prepared.put(PreparedItem(file: item.file, known: item.known, fingerprint: fingerprint, prepared: image))
            } catch {
                records.put(.failed(item.file, replacing: item.known, fingerprint: fingerprint, reason: error.reason))
            }
        }
    }

    /// Forms batches from the prepared queue and runs them through the network, on the
    /// calling thread; reports progress between batches.
    private func infer(from prepared: BoundedQueue<PreparedItem>, records: BoundedQueue<ScanRecord>, started: Date, progress: (ScanProgress) -> Void) {
        let batchSize = classifier.maxBatchSize
        var batch = [PreparedItem]()
        var lastReport = Date.distantPast
        while true {
            // With a work queue run dry, a partial batch goes as soon as nothing more arrives.
            let available = prepared.waitForItem(timeout: state.queueDry ? 0.02 : 0.5)
            if Date().timeIntervalSince(lastReport) >= 0.5 {
                progress(state.snapshot(seconds: Date().timeIntervalSince(started)))
                lastReport = Date()
            }
            if !available && prepared.isClosedAndEmpty && batch.isEmpty { break }
            while batch.count < batchSize, let item = prepared.poll() { batch.append(item) }
            // Run a full batch, or a partial one once nothing more can come, or, with a work
            // queue, when the queue has run dry and nothing has arrived for a while (the rest
            // may be claimed by others, and this batch's leases are running).
            let finalBatch = prepared.isClosedAndEmpty
            let stalled = !available && state.queueDry && !batch.isEmpty
            guard batch.count == batchSize || (finalBatch && !batch.isEmpty) || stalled else { continue }
            if cancellation.isCancelled && !batch.isEmpty && !finalBatch {
                // Finish what is in hand, then let the decoders' leftovers drain unprocessed.
                run(batch, records: records)
                batch.removeAll()
                while prepared.take() != nil {}
                break
            }
            run(batch, records: records)
            batch.removeAll()
        }
    }

    private func run(_ batch: [PreparedItem], records: BoundedQueue<ScanRecord>) {
        let started = Date()
        let outputs = classifier.classify(batch.map(\.prepared.resized))
        state.addInference(Date().timeIntervalSince(started), images: batch.count)
        precondition(outputs.count == batch.count, "classifier returned \(outputs.count) outputs for \(batch.count) inputs")
        for (item, output) in zip(batch, outputs) {
            records.put(.indexed(
                item.file, replacing: item.known, fingerprint: item.fingerprint,
                width: item.prepared.info.uprightWidth, height: item.prepared.info.uprightHeight, result: output,
                format: item.prepared.info.format))
        }
    }

    /// The single writer: groups records into transactions of up to `writeBatch` records,
    /// flushing a smaller group once its oldest record has waited `writeInterval` seconds, so
    /// a slow scan still saves its work every quarter second.
    private func writeAll(from records: BoundedQueue<ScanRecord>) {
        var pending = [ScanRecord]()
        var oldest = Date()
        func flush() {
            guard !pending.isEmpty else { return }
            if state.failure == nil {
                let started = Date()
                do {
                    try index.write(pending)
                    state.recordWritten(pending, seconds: Date().timeIntervalSince(started))
                } catch {
                    state.fail(error)
                    cancellation.cancel()
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        while true {
            if !pending.isEmpty {
                let remaining = Self.writeInterval - Date().timeIntervalSince(oldest)
                // Timed out, or closed and drained: what is pending goes now.
                if remaining <= 0 || !records.waitForItem(timeout: remaining) {
                    flush()
                    continue
                }
            }
            guard let record = records.take() else { break }
            if pending.isEmpty { oldest = Date() }
            pending.append(record)
            if pending.count >= Self.writeBatch { flush() }
        }
        flush()
    }

    /// Most records in one write transaction.
    static let writeBatch = 256
    /// Longest a record waits for its transaction, in seconds.
    static let writeInterval = 0.25
}
