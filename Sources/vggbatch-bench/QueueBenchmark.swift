import ArgumentParser
import Foundation
import VGGCommon
import VGGImaging
import VGGIndexTypes
import VGGIndexing
import VGGPipeline
import VGGPostgres
import VGGStore

/// The shared work queue under load, with no network compute: many workers claim batches
/// (with what the index holds for each file), and write stub results (a full-size feature vector, its code and five
/// predictions) through their claims, as `vggbatch work` does. Files per second from the
/// first claim to the last write; the index is checked afterwards (one row per file, every
/// queue entry done).
struct QueueBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Files per second the PostgreSQL work queue sustains with many workers and a stub classifier.")

    @Option(help: "A PostgreSQL database (postgresql://USER@HOST:PORT/DB); the files go under a root of their own.") var db: String
    @Option(help: "Concurrent workers (threads, each with its own connections, as separate processes would have).") var workers = 32
    @Option(help: "Files queued.") var files = 50_000
    @Option(help: "Files per claim and per write (`vggbatch work --claim`, 32 by default).") var claim = QueueClaims.defaultClaimSize
    @Option(help: "Feature vector length of the stub results.") var dimension = 4096

    func run() throws {
        let scan = try PostgresIndexWriter.open(url: db, lease: 120, exclusive: true)
        defer { scan.close() }
        let modelID = try scan.models.register(ModelRegistration(
            weightsSHA256: String(repeating: "9", count: 64), name: "queue-bench", architecture: .vgg16, preprocessing: .torch,
            resizePolicy: .squash, featureDimension: dimension))
        let runID = try scan.runs.begin(options: "vggbatch-bench queue", modelID: modelID)
        let scanIndex = scan.scanIndex(runID: runID, modelID: modelID)
        let rootPath = Array("/queue-bench/\(UUID().uuidString)".utf8)
        let rootID = try scanIndex.target(for: rootPath).rootID
        guard let queue = scanIndex.workQueue else { throw ValidationError("\(db) has no work queue") }

        let enqueueStarted = Date()
        for start in stride(from: 0, to: files, by: 1000) {
            try queue.enqueue((start..<min(start + 1000, files)).map { n in
                let name = Array(String(format: "f%08d.jpg", n).utf8)
                return FoundFile(
                    rootID: rootID, relativePath: name, absolutePath: PathBytes.join(rootPath, name),
                    stat: FileStat(size: Int64(n), mtimeNanoseconds: 1, inode: UInt64(n), device: 1))
            }, settings: ImagePreparation().decodeSettings)
        }
        let enqueueSeconds = Date().timeIntervalSince(enqueueStarted)

        // Every worker connects before the clock starts, as machines already running would.
        var opened = [(writer: PostgresIndexWriter, index: any ScanIndex)]()
        for _ in 0..<workers {
            let writer = try PostgresIndexWriter.open(url: db, lease: 120, exclusive: false)
            opened.append((writer, writer.scanIndex(runID: -1, modelID: modelID)))
        }
        let failures = Failures()
        let group = DispatchGroup()
        let started = Date()
        for (number, worker) in opened.enumerated() {
            group.enter()
            let index = Unshared(worker.index)
            let (claim, dimension) = (claim, dimension)
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    try Self.work(index.value, number: number, claim: claim, dimension: dimension)
                } catch {
                    failures.add("worker \(number): \(error)")
                }
            }
        }
        group.wait()
        let seconds = Date().timeIntervalSince(started)
        for worker in opened { worker.writer.close() }
        if let first = failures.first { throw ValidationError(first) }

        let check = try PostgresConnection(url: db)
        defer { check.close() }
        let rows = try check.query(
            "SELECT COUNT(*), COUNT(DISTINCT relative_path) FROM image WHERE root_id = ?", [.integer(rootID)])
        let open = try check.query(
            "SELECT COUNT(*) FROM work_item WHERE root_id = ? AND state <> 'done'", [.integer(rootID)])
        guard rows == [[.integer(Int64(files)), .integer(Int64(files))]], open == [[.integer(0)]] else {
            throw ValidationError("check failed: rows \(rows), queue entries not done \(open)")
        }
        print(String(
            format: "queue: %d files, %d workers, %d per claim, %d-d features: %.0f files/s (%.1f s); enqueued at %.0f files/s; checked: one row per file, every entry done",
            files, workers, claim, dimension, Double(files) / seconds, seconds, Double(files) / enqueueSeconds))
    }

    /// One worker: claim, look each file up, write stub results through the claims, until
    /// the queue is done.
    static func work(_ index: any ScanIndex, number: Int, claim: Int, dimension: Int) throws {
        guard let queue = index.workQueue else { return }
        var generator = SplitMix64(seed: UInt64(number + 1))
        let features = (0..<dimension).map { _ in Float(generator.nextUnit()) }
        while true {
            let claimed = try queue.claim(limit: claim)
            if claimed.isEmpty {
                if try queue.isFinished() { return }
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            var records = [ScanRecord]()
            for item in claimed {
                records.append(.indexed(
                    item.file, replacing: item.known, fingerprint: fingerprint(item.file.relativePath), width: 224, height: 224,
                    result: ImageResult(top: (0..<5).map { (index: $0 * 7, probability: 0.2) }, features: features)))
            }
            try index.write(records)
        }
    }

    /// A content fingerprint for a stub file: the SHA-256 of its name.
    static func fingerprint(_ name: [UInt8]) -> [UInt8] {
        var hash = SHA256()
        hash.update(name)
        return hash.finalize()
    }

    /// A worker's index, handed to the one thread that uses it.
    final class Unshared: @unchecked Sendable {
        let value: any ScanIndex
        init(_ value: any ScanIndex) { self.value = value }
    }

    /// The first failure of any worker.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages = [String]()
        func add(_ message: String) {
            lock.lock()
            messages.append(message)
            lock.unlock()
        }
        var first: String? {
            lock.lock()
            defer { lock.unlock() }
            return messages.first
        }
    }
}
