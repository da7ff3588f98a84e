import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import VGGSQL
@testable import VGGPostgres
import _VGGTestSupport

/// The shared queue: claims never overlap, a lease that runs out hands a file to the next
/// worker, and a file claimed twice is written once.
@Suite("Work queue", .enabled(if: TestPostgres.isAvailable, "set VGGBATCH_TEST_POSTGRES to run the PostgreSQL tests"))
struct WorkQueueTests {
    let database: TestPostgres.Database
    let scan: PostgresIndexWriter
    /// The index read beside the scan, as the tests look at it.
    let reader: PostgresIndex
    let modelID: Int64
    let runID: Int64
    let rootID: Int64

    init() throws {
        database = try TestPostgres.freshDatabase()
        scan = try PostgresIndexWriter.open(url: database.url, lease: 1, exclusive: true)
        reader = try PostgresIndex(url: database.url, migrate: false)
        modelID = try scan.models.register(ModelRegistration(
            weightsSHA256: String(repeating: "a", count: 64), name: nil, architecture: .tiny, preprocessing: .torch,
            resizePolicy: .squash, featureDimension: 4))
        runID = try scan.runs.begin(options: "", modelID: modelID)
        rootID = try scan.scanIndex(runID: runID, modelID: modelID).target(for: Array("/photos".utf8)).rootID
    }

    /// The decode settings a scan queues its files with.
    static let settings = DecodeSettings(maxPixels: 1_000_000, dctScaling: true)

    /// The scan's queue, which enqueues for its run.
    func scanQueue() throws -> WorkQueue {
        try #require(scan.scanIndex(runID: runID, modelID: modelID).workQueue)
    }

    /// A worker's view: its scan index, which is also its queue.
    func worker(lease: Double = 1) throws -> (index: any ScanIndex, queue: WorkQueue) {
        let writer = try PostgresIndexWriter.open(url: database.url, lease: lease, exclusive: false)
        let index = writer.scanIndex(runID: -1, modelID: modelID)
        return (index, try #require(index.workQueue))
    }

    func files(_ count: Int) -> [FoundFile] {
        (0..<count).map { n in
            let name = Array("f\(n).jpg".utf8)
            return FoundFile(
                rootID: rootID, relativePath: name, absolutePath: Array("/photos/".utf8) + name,
                stat: FileStat(size: Int64(n), mtimeNanoseconds: 1, inode: UInt64(n), device: 1))
        }
    }

    func indexed(_ claimed: ClaimedFile, feature: Float) -> ScanRecord {
        .indexed(
            claimed.file, replacing: nil, fingerprint: Array(claimed.file.relativePath), width: 4, height: 3,
            result: ImageResult(top: [(index: 1, probability: 0.5)], features: [feature, 0, 0, 1]))
    }

    func states() throws -> [String: Int64] {
        var result = [String: Int64]()
        for row in try reader.connection.query("SELECT state, COUNT(*) FROM work_item GROUP BY state", []) {
            result[row[0].text ?? "?"] = row[1].integer
        }
        return result
    }

    @Test func aFileIsQueuedOnceAndAgainOnlyAfterItIsDone() throws {
        let queue = try scanQueue()
        try queue.enqueue(files(3), settings: Self.settings)
        try queue.enqueue(files(3), settings: DecodeSettings(maxPixels: 5, dctScaling: false))
        #expect(try states() == ["pending": 3])
        let claimed = try queue.claim(limit: 10)
        // The first scan's settings stand for a file already waiting.
        #expect(claimed.count == 3 && claimed.allSatisfy { $0.settings == Self.settings })
        #expect(try !queue.isFinished())
    }

    @Test func claimsNeverOverlapAndAnExpiredLeaseIsTakenOver() throws {
        let a = try worker()
        let b = try worker()
        try scanQueue().enqueue(files(6), settings: Self.settings)
        let mine = try a.queue.claim(limit: 4)
        let theirs = try b.queue.claim(limit: 4)
        #expect(mine.count == 4 && theirs.count == 2)
        #expect(Set(mine.map(\.file.relativePath)).isDisjoint(with: theirs.map(\.file.relativePath)))
        #expect(try b.queue.claim(limit: 4).isEmpty)

        // A stops writing: after the lease, B takes its files (second attempt).
        Thread.sleep(forTimeInterval: 1.3)
        let taken = try b.queue.claim(limit: 10)
        #expect(Set(taken.map(\.file.relativePath)) == Set(mine.map(\.file.relativePath)))
        #expect(taken.allSatisfy { $0.attempts == 2 })

        // A wakes up and writes: its claims are B's now, nothing of it is written.
        try a.index.write(mine.map { indexed($0, feature: 1) })
        #expect(try reader.connection.query("SELECT COUNT(*) FROM image", []) == [[.integer(0)]])
        // B writes: each file once, with B's results.
        try b.index.write((theirs + taken).map { indexed($0, feature: 2) })
        let rows = try reader.connection.query("SELECT COUNT(*), COUNT(DISTINCT relative_path) FROM image", [])
        #expect(rows == [[.integer(6), .integer(6)]])
        #expect(try states() == ["done": 6])
        #expect(try a.queue.isFinished())
        for id in try reader.connection.query("SELECT id FROM image", []).compactMap({ $0[0].integer }) {
            #expect(try reader.search.features(imageIDs: [id], modelID: modelID).first??.first == 2)
        }
        // Written by the run that queued them.
        #expect(try reader.connection.query("SELECT DISTINCT last_seen_run FROM image", []) == [[.integer(runID)]])
    }

    @Test func writingKeepsTheOtherClaimsAlive() throws {
        let a = try worker(lease: 2)
        let b = try worker(lease: 2)
        try scanQueue().enqueue(files(4), settings: Self.settings)
        let claimed = try a.queue.claim(limit: 4)
        // Slow but alive: one file written every second renews the lease of the rest.
        for item in claimed.prefix(3) {
            Thread.sleep(forTimeInterval: 1)
            try a.index.write([indexed(item, feature: 1)])
            #expect(try b.queue.claim(limit: 4).isEmpty)
        }
    }

    @Test func releasedClaimsGoBackAtOnceAndFailedFilesAreCounted() throws {
        let a = try worker(lease: 60)
        let b = try worker(lease: 60)
        try scanQueue().enqueue(files(3), settings: Self.settings)
        let claimed = try a.queue.claim(limit: 3)
        try a.index.write([.failed(claimed[0].file, replacing: nil, fingerprint: [9], reason: "not a JPEG or PNG file")])
        try a.queue.releaseClaims()
        #expect(try states() == ["failed": 1, "pending": 2])
        #expect(try b.queue.claim(limit: 3).count == 2)
        let status = try #require(try reader.queueStatus())
        #expect(status.claimed == 2 && status.failed == 1 && status.pending == 0)
    }
}
