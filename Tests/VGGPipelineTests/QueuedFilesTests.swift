import Foundation
import Testing
import VGGImaging
import VGGIndexTypes
@testable import VGGPipeline
import _VGGTestSupport

/// The shared queue's two sources through the pipeline's own API, on a queue held in memory:
/// a scan that walks its folders into the queue and claims them back, a queue-only scan, a
/// worker that only claims (until the queue is done, or for ever with `follow`), and a file
/// whose workers all died.
@Suite("Queued files")
struct QueuedFilesTests {
    /// `ScanPipelineTests.MemoryIndex` with a work queue beside it: files wait in order, a
    /// claim takes them (a file's earlier claims are counted), a write ends their claims.
    final class QueueIndex: ScanIndex, WorkQueue, @unchecked Sendable {
        let rows = ScanPipelineTests.MemoryIndex()
        let lock = NSLock()
        var pending: [(file: FoundFile, attempts: Int, queuedHere: Bool)] = []
        var claimed: [[UInt8]: Int] = [:]
        var enqueued = 0

        /// Files another run queued, claimed `attempts` times before (by workers that died).
        func queueFromElsewhere(_ file: FoundFile, attempts: Int = 0) {
            lock.lock()
            pending.append((file, attempts, false))
            lock.unlock()
        }

        func enqueue(_ files: [FoundFile], settings: DecodeSettings) throws {
            lock.lock()
            defer { lock.unlock() }
            enqueued += files.count
            pending += files.map { ($0, 0, true) }
        }

        func claim(limit: Int, onlyQueuedHere: Bool) throws -> [ClaimedFile] {
            lock.lock()
            defer { lock.unlock() }
            var taken = [ClaimedFile]()
            var kept: [(file: FoundFile, attempts: Int, queuedHere: Bool)] = []
            for item in pending {
                guard taken.count < limit, item.queuedHere || !onlyQueuedHere else {
                    kept.append(item)
                    continue
                }
                claimed[item.file.relativePath] = item.attempts + 1
                taken.append(ClaimedFile(
                    file: item.file, known: nil, settings: DecodeSettings(maxPixels: 1 << 26, dctScaling: true),
                    attempts: item.attempts + 1, queuedHere: item.queuedHere))
            }
            pending = kept
            return taken
        }

        func isFinished() throws -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return pending.isEmpty && claimed.isEmpty
        }

        func claimsElsewhere() throws -> ClaimsElsewhere { ClaimsElsewhere(files: 0, secondsLeft: 0, released: 0) }

        var hasClaimsInFlight: Bool {
            lock.lock()
            defer { lock.unlock() }
            return !claimed.isEmpty
        }

        func releaseClaims() throws {}

        func target(for absolutePath: [UInt8]) throws -> ScanTarget { try rows.target(for: absolutePath) }
        func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? { try rows.knownFile(rootID: rootID, relativePath: relativePath) }
        func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? { try rows.claimVanishedFile(fingerprint: fingerprint) }
        func write(_ records: [ScanRecord]) throws {
            try rows.write(records)
            lock.lock()
            for record in records { claimed[record.file.relativePath] = nil }
            lock.unlock()
        }
        func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) {
            try rows.vanished(in: target, unwalked: unwalked)
        }
        var folded: [FoldedRoot] { [] }
        func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int {
            try rows.markVanishedMissing(in: target, unwalked: unwalked)
        }
    }

    let options = ScanOptions(decodeThreads: 2, preparation: ImagePreparation(policy: .squash, size: 16))

    func photos(_ names: [String]) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        for name in names { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path(name)) }
        return directory
    }

    func run(_ source: ScanSource, _ index: QueueIndex, cancellation: CancellationFlag = CancellationFlag()) throws -> ScanSummary {
        try ScanPipeline(
            options: options, source: source, index: index, classifier: ScanPipelineTests.ChecksumClassifier(batch: 2),
            cancellation: cancellation
        ).run { _ in }
    }

    @Test func aScanQueuesItsFilesAndComputesThemFromTheQueueWithAnotherScansFiles() throws {
        let directory = try photos(Array(ScanPipelineTests.names.prefix(3)))
        let other = try photos(["skimage-camera.png"])
        let index = QueueIndex()
        index.queueFromElsewhere(FoundFile(
            rootID: 1, relativePath: Array("camera.png".utf8), absolutePath: Array(other.path("skimage-camera.png").utf8),
            stat: try #require(FileStat.of(Array(other.path("skimage-camera.png").utf8)))))
        let folders = FolderScan(roots: [Array(directory.url.path.utf8)], walk: WalkOptions(), acceptMassMissing: false)
        let summary = try run(.queuedFolders(folders, claims: QueueClaims(), queueOnly: false), index)
        #expect(index.enqueued == 3 && summary.progress.queued == 3)
        // Its own three are counted as new; the other scan's file is written and counted apart.
        #expect(summary.progress.new == 3 && summary.progress.forOthers == 1 && summary.progress.inferred == 4)
        #expect(try index.isFinished())
    }

    @Test func aQueueOnlyScanComputesNothingAndMarksNothingMissingThenAWorkerDrainsTheQueue() throws {
        let directory = try photos(Array(ScanPipelineTests.names.prefix(3)))
        let index = QueueIndex()
        let folders = FolderScan(roots: [Array(directory.url.path.utf8)], walk: WalkOptions(), acceptMassMissing: false)
        let queued = try run(.queuedFolders(folders, claims: QueueClaims(), queueOnly: true), index)
        #expect(queued.progress.queued == 3 && queued.progress.inferred == 0 && queued.missing == 0)
        #expect(index.pending.count == 3)
        let worked = try run(.queue(claims: QueueClaims(), follow: false), index)
        #expect(worked.progress.inferred == 3 && worked.progress.done == 3)
        #expect(try index.isFinished() && index.rows.rows.count == 3)
    }

    @Test func aFileWhoseWorkersAllDiedIsStoredFailedInsteadOfHandedOutAgain() throws {
        let directory = try photos(["pillow-hopper.jpg"])
        let path = Array(directory.path("pillow-hopper.jpg").utf8)
        let index = QueueIndex()
        var claims = QueueClaims()
        claims.maxAttempts = 2
        index.queueFromElsewhere(
            FoundFile(rootID: 1, relativePath: Array("pillow-hopper.jpg".utf8), absolutePath: path, stat: try #require(FileStat.of(path))),
            attempts: 2)
        let worked = try run(.queue(claims: claims, follow: false), index)
        #expect(worked.progress.failed == 1 && worked.progress.inferred == 0)
        let row = try #require(index.rows.rows.values.first)
        #expect(row.file.status == .failed && row.file.fingerprint == nil)
    }

    @Test func aFollowingWorkerWaitsForMoreUntilCancelled() throws {
        let directory = try photos(["pillow-hopper.jpg", "skimage-coins.png"])
        let index = QueueIndex()
        var following = QueueClaims()
        following.pollInterval = 0.05
        let claims = following
        let cancellation = CancellationFlag()
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var summary: ScanSummary?
        let worker = Thread { [self] in
            summary = try? run(.queue(claims: claims, follow: true), index, cancellation: cancellation)
            finished.signal()
        }
        worker.start()
        // Nothing queued yet: a following worker does not stop at an empty queue.
        #expect(finished.wait(timeout: .now() + 0.5) == .timedOut)
        for name in ["pillow-hopper.jpg", "skimage-coins.png"] {
            let path = Array(directory.path(name).utf8)
            index.queueFromElsewhere(FoundFile(rootID: 1, relativePath: Array(name.utf8), absolutePath: path, stat: try #require(FileStat.of(path))))
        }
        let deadline = Date().addingTimeInterval(20)
        while index.rows.rows.count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(finished.wait(timeout: .now() + 0.3) == .timedOut, "still following once the queue ran dry again")
        cancellation.cancel()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(summary?.progress.inferred == 2 && summary?.interrupted == true)
    }
}
