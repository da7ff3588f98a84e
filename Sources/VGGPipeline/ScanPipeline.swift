import VGGIndexTypes
import Foundation
import VGGCommon
import VGGImaging

/// What a scan does and with what budget.
public struct ScanOptions: Sendable {
    /// Absolute folders to scan, as file-system bytes (each a root, or a folder inside one).
    public var roots: [[UInt8]]
    public var walk: WalkOptions
    /// Threads that read, fingerprint, decode and resize files.
    public var decodeThreads: Int

    /// Decode threads by default: one per core, up to 4. They sleep whenever the engine has
    /// its next batches, so they cost nothing then; with one decoder a 12 MP photo library
    /// left a tenth of two cores idle while the engine waited (Benchmarks/README.md, "Phone
    /// photos").
    public static var defaultDecodeThreads: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }
    public var preparation: ImagePreparation
    /// Mark vanished files missing even when most of a root vanished at once.
    public var acceptMassMissing: Bool
    /// A root where more than this fraction of known files vanished (and at least
    /// `protectionMinimum` of them) is treated as unmounted: nothing is marked missing.
    public var protectionFraction: Double = 0.5
    public var protectionMinimum: Int = 10
    /// With a work queue: keep claiming after the queue runs dry, until cancelled.
    public var follow = false
    /// With a work queue: only walk and queue, leaving every file to the workers. Nothing is
    /// marked missing then (a changed file's row is not rewritten until a worker computes it).
    public var queueOnly = false
    /// With a work queue: a file claimed this many times without a result (each worker that
    /// took it died) is stored as failed instead of being handed out again.
    public var maxAttempts = 5
    /// With a work queue: seconds between claims while nothing is free.
    public var pollInterval = 0.5
    /// Called on a decode thread just before a file is read: lets fault tests delete,
    /// truncate or replace files between the walk and the read. Nil in normal use.
    public var beforeRead: (@Sendable (FoundFile) -> Void)?

    public init(roots: [[UInt8]], walk: WalkOptions, decodeThreads: Int, preparation: ImagePreparation, acceptMassMissing: Bool) {
        self.roots = roots
        self.walk = walk
        self.decodeThreads = decodeThreads
        self.preparation = preparation
        self.acceptMassMissing = acceptMassMissing
    }
}

/// The staged scan: walker → decode workers → bounded queue → batcher and network → one
/// writer. Each stage has its own threads; bounded queues between them keep memory flat.
/// Every record carries its file, so a failed or slow file can never shift results onto
/// a neighbour.
public final class ScanPipeline {
    private let options: ScanOptions
    private let index: ScanIndex
    private let classifier: BatchClassifier
    private let cancellation: CancellationFlag
    private let state = SharedState()

    public init(options: ScanOptions, index: ScanIndex, classifier: BatchClassifier, cancellation: CancellationFlag) {
        self.options = options
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
        for root in options.roots {
            let target = try index.target(for: root)
            if !targets.contains(target) { targets.append(target) }
        }

        let queue = index.workQueue
        // Claimed files wait here on their lease: only a couple of batches are claimed ahead.
        let work = BoundedQueue<WorkItem>(capacity: queue == nil ? 64 : 2 * classifier.maxBatchSize)
        let prepared = BoundedQueue<PreparedItem>(capacity: max(2 * classifier.maxBatchSize, 8))
        let records = BoundedQueue<ScanRecord>(capacity: 4096)

        let walkTargets = targets
        let walker = Thread { [self] in
            if let queue = index.workQueue {
                walk(walkTargets, into: { found, known in enqueue(found, queue: queue, flush: found == nil) }, records: records)
            } else {
                walk(walkTargets, into: { found, known in if let found { work.put(WorkItem(file: found, known: known)) } }, records: records)
                work.close()
            }
        }
        walker.name = "vggbatch-walker"
        var claimer: Thread?
        if queue != nil {
            claimer = Thread { [self] in
                guard let queue = index.workQueue else { return }
                if options.queueOnly {
                    // Nothing to compute here; the stages end when the walk has queued all.
                    while !state.snapshot(seconds: 0).walkFinished { Thread.sleep(forTimeInterval: 0.05) }
                    work.close()
                } else {
                    claim(from: queue, into: work, records: records)
                }
            }
            claimer?.name = "vggbatch-claimer"
        }
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
        walker.start()
        claimer?.start()
        DispatchQueue.global().async {
            decoders.wait()
            prepared.close()
        }

        infer(from: prepared, records: records, started: started, progress: progress)
        records.close()
        writerDone.wait()
        if let queue, cancellation.isCancelled || state.failure != nil {
            // Whatever was claimed and not written goes back now rather than at lease expiry.
            try? queue.releaseClaims()
        }
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
        if !summary.interrupted && !(queue != nil && options.queueOnly) {
            for (number, target) in targets.enumerated() {
                guard let unwalked = state.completedRoots[number] else { continue }
                let (vanished, known) = try index.vanished(in: target, unwalked: unwalked)
                if vanished == 0 { continue }
                let massive = vanished >= options.protectionMinimum && Double(vanished) > options.protectionFraction * Double(known)
                if massive && !options.acceptMassMissing {
                    summary.protectedRoots.append((PathBytes.display(target.path), vanished, known))
                } else {
                    summary.missing += try index.markVanishedMissing(in: target, unwalked: unwalked)
                }
            }
        }
        summary.progress.seconds = Date().timeIntervalSince(started)
        progress(summary.progress)
        return summary
    }

    // MARK: - Stages

    private struct WorkItem {
        var file: FoundFile
        var known: KnownFile?
        /// The decode settings of the scan that queued the file, when it came from a queue.
        var preparation: ImagePreparation?
    }

    private struct PreparedItem {
        var file: FoundFile
        var known: KnownFile?
        var fingerprint: [UInt8]
        var prepared: PreparedImage
    }

    /// Walks every target in order; unchanged files go straight to the writer, the others
    /// to `pass`, which is called once more with nil when the walk ends.
    private func walk(
        _ targets: [ScanTarget], into pass: (FoundFile?, KnownFile?) -> Void, records: BoundedQueue<ScanRecord>
    ) {
        defer {
            pass(nil, nil)
            state.update { $0.walkFinished = true }
        }
        for (number, target) in targets.enumerated() {
            let walker: DirectoryWalker
            do {
                walker = try DirectoryWalker(root: target.path, options: options.walk)
            } catch {
                state.addUnavailable(PathBytes.display(target.path), error.reason)
                continue
            }
            var completed = true
            var candidates = 0
            // Places below the root the walk did not enter: what the index holds there was not
            // seen, and is not taken for gone. The rest of the root still is walked completely.
            var unwalked = [[UInt8]]()
            var unreadable = 0
            for entry in walker {
                if cancellation.isCancelled || state.failure != nil {
                    completed = false
                    break
                }
                let path = PathBytes.display(entry.absolutePath)
                switch entry.kind {
                case .file(let stat):
                    candidates += 1
                    state.update { $0.discovered += 1 }
                    let relative = PathBytes.join(target.subpath, entry.relativePath)
                    let found = FoundFile(rootID: target.rootID, relativePath: relative, absolutePath: entry.absolutePath, stat: stat)
                    let known: KnownFile?
                    do {
                        known = try index.knownFile(rootID: target.rootID, relativePath: relative)
                    } catch {
                        state.fail(error)
                        return
                    }
                    if let known, known.stat == stat, Self.settled(known) {
                        records.put(.unchanged(known))
                    } else {
                        pass(found, known)
                    }
                case .skipped(let reason):
                    state.update { $0.skipped += 1 }
                    state.addProblem(path, reason)
                    // Files below a link not followed or a folder too deep to enter were not
                    // seen, not gone; the rules said not to go there, so the walk is complete.
                    if entry.hidesFiles { unwalked.append(PathBytes.join(target.subpath, entry.relativePath)) }
                case .unreadable(let reason):
                    state.update { $0.unreadable += 1 }
                    state.addProblem(path, reason)
                    // An unreadable folder, file or link target: only that place is unseen.
                    unwalked.append(PathBytes.join(target.subpath, entry.relativePath))
                    unreadable += 1
                }
            }
            if completed {
                state.markCompleted(number, unwalked: unwalked)
                if candidates == 0 && unwalked.isEmpty { state.addEmpty(PathBytes.display(target.path)) }
                if unreadable > 0 { state.addIncomplete(PathBytes.display(target.path), places: unreadable) }
            }
        }
    }

    // MARK: - The work queue

    /// Files the walker found for the queue, sent in batches (a slow walk still sends each
    /// within a second).
    private var pendingQueue: [FoundFile] = []
    private var pendingSince = Date()

    /// Buffers `found` for the queue (walker thread), sending when enough has gathered or
    /// when `flush`.
    private func enqueue(_ found: FoundFile?, queue: WorkQueue, flush: Bool) {
        if let found {
            if pendingQueue.isEmpty { pendingSince = Date() }
            pendingQueue.append(found)
        }
        guard !pendingQueue.isEmpty, flush || pendingQueue.count >= Self.writeBatch || Date().timeIntervalSince(pendingSince) > 1
        else { return }
        guard state.failure == nil else { return }
        do {
            try queue.enqueue(pendingQueue, settings: options.preparation.decodeSettings)
            state.update { $0.queued += pendingQueue.count }
        } catch {
            state.fail(error)
            cancellation.cancel()
        }
        pendingQueue.removeAll(keepingCapacity: true)
    }

    /// Claims batches from the queue and hands them to the decoders until the queue is done
    /// (nothing waiting or claimed by anyone, and this process's walk over), or for ever
    /// with `follow`, or until cancelled.
    private func claim(from queue: WorkQueue, into work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>) {
        defer { work.close() }
        while !cancellation.isCancelled && state.failure == nil {
            let claimed: [ClaimedFile]
            do {
                claimed = try queue.claim(
                    limit: classifier.maxBatchSize, onlyQueuedHere: !options.roots.isEmpty && !state.snapshot(seconds: 0).walkFinished)
                state.queueDry = claimed.count < classifier.maxBatchSize
                if claimed.isEmpty {
                    let walking = !state.snapshot(seconds: 0).walkFinished
                    if try !walking && !options.follow && queue.isFinished() { return }
                    // Say what the queue waits for; claims of a stopped process of this
                    // machine come back at once and are claimed on the next round.
                    let elsewhere = try queue.claimsElsewhere()
                    state.update { $0.waiting = elsewhere.files > 0 ? elsewhere : nil }
                    if elsewhere.released > 0 { continue }
                    // Nothing free now: files claimed by others may come back when their
                    // leases run out, and the walk may queue more. While this process's own
                    // claims are being finished, the queue may be done any moment: look again soon.
                    let until = Date().addingTimeInterval(queue.hasClaimsInFlight ? 0.02 : options.pollInterval)
                    while Date() < until && !cancellation.isCancelled { Thread.sleep(forTimeInterval: 0.05) }
                    continue
                }
                state.update { $0.waiting = nil }
                for item in claimed {
                    // A scan computes files other scans queued too; they are not among its own.
                    state.markClaimed(item.file, foreign: !options.roots.isEmpty && !item.queuedHere)
                    let known = item.known
                    if item.attempts > options.maxAttempts {
                        records.put(.failed(
                            item.file, replacing: known, fingerprint: nil,
                            reason: "claimed \(item.attempts) times without a result (each worker that took it stopped); the next scan tries again"))
                    } else if let known, known.stat == item.file.stat, Self.settled(known) {
                        // Computed since it was queued (by an earlier claim that finished late).
                        records.put(.unchanged(known))
                    } else {
                        var preparation = options.preparation
                        preparation.decodeSettings = item.settings
                        work.put(WorkItem(file: item.file, known: known, preparation: preparation))
                    }
                }
            } catch {
                state.fail(error)
                cancellation.cancel()
                return
            }
        }
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
            options.beforeRead?(item.file)
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
                width: item.prepared.info.uprightWidth, height: item.prepared.info.uprightHeight, output: output))
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
