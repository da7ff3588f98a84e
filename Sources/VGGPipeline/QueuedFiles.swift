import Foundation
import VGGCommon
import VGGImaging
import VGGIndexTypes

/// The files of a shared work queue: this process's walk (a scan's folders; none for a
/// worker) puts the files that need the network into the queue, and a claimer takes batches
/// back out, the walk's and other scans', for the decoders; other machines claim beside it.
/// The claims are leases: a file whose worker stops goes to the next one.
final class QueuedFiles: FileSource, @unchecked Sendable {
    private let queue: WorkQueue
    /// The scan's folders; nil for a worker.
    private let walk: FolderWalk?
    private let claims: QueueClaims
    /// Keep claiming after the queue runs dry, until cancelled (a worker's `--follow`).
    private let follow: Bool
    /// Only walk and queue, leaving every file to the workers.
    private let queueOnly: Bool
    private let preparation: ImagePreparation
    /// Files per claim: the option's, at least an engine batch.
    private let claimSize: Int
    private let state: ScanPipeline.SharedState
    private let cancellation: CancellationFlag
    /// Files the walk found, sent to the queue in batches (walker thread only).
    private var pending: [FoundFile] = []
    private var pendingSince = Date()

    init(
        queue: WorkQueue, walk: FolderWalk?, claims: QueueClaims, follow: Bool, queueOnly: Bool, preparation: ImagePreparation,
        batchSize: Int, state: ScanPipeline.SharedState, cancellation: CancellationFlag
    ) {
        self.queue = queue
        self.walk = walk
        self.claims = claims
        self.follow = follow
        self.queueOnly = queueOnly
        self.preparation = preparation
        claimSize = max(claims.claimSize, batchSize)
        self.state = state
        self.cancellation = cancellation
    }

    /// Claimed files wait here on their lease: one claim and one batch ahead at most.
    func capacity(batchSize: Int) -> Int { claimSize + batchSize }

    /// A queue-only scan leaves every file to the workers: what it did not compute is not
    /// known to be gone.
    var seesEveryFile: Bool { !queueOnly }

    func start(into work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>) {
        let walker = Thread { [self] in
            // The last files go to the queue before the walk counts as finished: the claimer
            // then takes other runs' files too, and these must be this run's by then.
            guard let walk else {
                state.update { $0.walkFinished = true }
                return
            }
            walk.run(records: records, pass: { found, _ in enqueue(found) }, finish: { flush() })
        }
        walker.name = "vggbatch-walker"
        let claimer = Thread { [self] in
            defer { work.close() }
            if queueOnly {
                // Nothing to compute here; the stages end when the walk has queued all.
                while !state.snapshot(seconds: 0).walkFinished { Thread.sleep(forTimeInterval: 0.05) }
            } else {
                claim(into: work, records: records)
            }
        }
        claimer.name = "vggbatch-claimer"
        walker.start()
        claimer.start()
    }

    /// Whatever was claimed and not written goes back now rather than at lease expiry.
    func abandon() {
        try? queue.releaseClaims()
    }

    /// Buffers a found file, sending the buffer when enough has gathered or it is a second old.
    private func enqueue(_ found: FoundFile) {
        if pending.isEmpty { pendingSince = Date() }
        pending.append(found)
        if pending.count >= ScanPipeline.writeBatch || Date().timeIntervalSince(pendingSince) > 1 { self.flush() }
    }

    /// Sends the buffered files to the queue, with this scan's decode settings.
    private func flush() {
        guard !pending.isEmpty, state.failure == nil else { return }
        do {
            try queue.enqueue(pending, settings: preparation.decodeSettings)
            state.update { $0.queued += pending.count }
        } catch {
            state.fail(error)
            cancellation.cancel()
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Claims batches and hands them to the decoders until the queue is done (nothing waiting
    /// or claimed by anyone, and this process's walk over), or for ever with `follow`, or
    /// until cancelled.
    private func claim(into work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>) {
        let walksFolders = !(walk?.targets.isEmpty ?? true)
        while !cancellation.isCancelled && state.failure == nil {
            do {
                let walking = !state.snapshot(seconds: 0).walkFinished
                let claimed = try queue.claim(limit: claimSize, onlyQueuedHere: walksFolders && walking)
                state.queueDry = claimed.count < claimSize
                if claimed.isEmpty {
                    if try !walking && !follow && queue.isFinished() { return }
                    try waitForWork()
                    continue
                }
                state.update { $0.waiting = nil }
                for item in claimed {
                    // A scan computes files other scans queued too; they are not among its own.
                    state.markClaimed(item.file, foreign: walksFolders && !item.queuedHere)
                    route(item, work: work, records: records)
                }
            } catch {
                state.fail(error)
                cancellation.cancel()
                return
            }
        }
    }

    /// Nothing free now: says what the queue waits for, and waits a little. Claims of a
    /// stopped process of this machine come back at once and are claimed on the next round;
    /// files claimed by others may come back when their leases run out, and the walk may
    /// queue more. While this process's own claims are being finished, the queue may be done
    /// any moment: it looks again soon.
    private func waitForWork() throws {
        let elsewhere = try queue.claimsElsewhere()
        state.update { $0.waiting = elsewhere.files > 0 ? elsewhere : nil }
        if elsewhere.released > 0 { return }
        let until = Date().addingTimeInterval(queue.hasClaimsInFlight ? 0.02 : claims.pollInterval)
        while Date() < until && !cancellation.isCancelled { Thread.sleep(forTimeInterval: 0.05) }
    }

    /// A claimed file to the decoders, or straight to the writer when it needs no work.
    private func route(_ item: ClaimedFile, work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>) {
        let known = item.known
        if item.attempts > claims.maxAttempts {
            records.put(.failed(
                item.file, replacing: known, fingerprint: nil,
                reason: "claimed \(item.attempts) times without a result (each worker that took it stopped); the next scan tries again"))
        } else if let known, known.stat == item.file.stat, ScanPipeline.settled(known) {
            // Computed since it was queued (by an earlier claim that finished late).
            records.put(.unchanged(known))
        } else {
            var preparation = preparation
            preparation.decodeSettings = item.settings
            work.put(WorkItem(file: item.file, known: known, preparation: preparation))
        }
    }
}
