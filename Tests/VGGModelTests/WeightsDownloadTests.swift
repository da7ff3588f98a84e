import Foundation
import Testing
import VGGCommon
import VGGModel
import _VGGTestSupport

/// Downloads against a server on 127.0.0.1 that this test starts: every way a download can
/// go wrong must end with the right file installed or nothing at the destination.
@Suite("Weights download", .serialized)
struct WeightsDownloadTests {
    let directory = TemporaryDirectory()
    let server: LocalHTTPServer
    /// 3 MB of deterministic bytes: several network reads, so drops land mid-file.
    let body: [UInt8]
    let digest: String

    init() throws {
        server = try LocalHTTPServer()
        var random = SplitMix64(seed: 42)
        body = (0..<(3 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var hasher = SHA256()
        body.withUnsafeBytes { hasher.update($0) }
        digest = hasher.finalizeHex()
    }

    var destination: String { directory.path("cache/weights.safetensors") }

    func download(_ path: String, sha256: String? = nil, bytes: Int64? = nil) -> WeightsDownload {
        WeightsDownload(url: URL(string: server.url(path))!, destination: destination, sha256: sha256 ?? digest, bytes: bytes)
    }

    func installed() -> [UInt8]? {
        FileManager.default.contents(atPath: destination).map { Array($0) }
    }

    @Test func happyPathInstallsTheVerifiedFile() throws {
        server.route("/w", .serve(body))
        let reports = ProgressLog()
        try download("/w", bytes: Int64(body.count)).run { done, total in reports.add(done, total) }
        #expect(installed() == body)
        #expect(!FileManager.default.fileExists(atPath: destination + ".part"))
        #expect(reports.last?.0 == Int64(body.count) && reports.last?.1 == Int64(body.count))
    }

    @Test func aDroppedConnectionIsResumedWithARange() throws {
        server.route("/w", .dropAfter(1_000_000, times: 2, body: body))
        try download("/w").run()
        #expect(installed() == body)
        // The first request from the start, then ranges from where the data stopped.
        let requests = server.requests
        #expect(requests.count == 3)
        #expect(requests.map(\.range) == [nil, 1_000_000, 2_000_000])
    }

    @Test func aPartFileLeftByAnEarlierRunIsResumed() throws {
        server.route("/w", .serve(body))
        try FileManager.default.createDirectory(atPath: directory.path("cache"), withIntermediateDirectories: true)
        try Data(body.prefix(1_234_567)).write(to: URL(fileURLWithPath: destination + ".part"))
        try download("/w").run()
        #expect(installed() == body)
        #expect(server.requests.map(\.range) == [1_234_567])
    }

    @Test func aChecksumMismatchInstallsNothing() throws {
        var other = body
        other[2_000_000] ^= 1
        server.route("/w", .serve(other))
        #expect(throws: DownloadError.checksumMismatch(expected: digest, actual: SHA256.hexDigest(of: other))) {
            try download("/w").run()
        }
        #expect(installed() == nil)
        #expect(!FileManager.default.fileExists(atPath: destination + ".part"))
    }

    @Test func notFoundAndRefusedAreClearErrors() throws {
        server.route("/w", .status(404))
        #expect(throws: DownloadError.http(status: 404, url: server.url("/missing"))) { try download("/missing").run() }
        let refused = WeightsDownload(
            url: URL(string: "http://127.0.0.1:\(LocalHTTPServer.closedPort())/w")!, destination: destination, sha256: digest)
        do {
            try refused.run()
            Issue.record("a refused connection downloaded something")
        } catch {
            guard case .network(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason == "connection refused")
        }
        #expect(installed() == nil)
    }

    @Test func moreBytesThanAnnouncedAreNeverInstalled() throws {
        // The announced length is the real file; what follows it is dropped.
        server.route("/w", .overlong(body: body, extra: Array(repeating: 0x55, count: 100_000)))
        try download("/w").run()
        #expect(installed() == body)
        // A server announcing more than the known size of the file: refused before writing.
        server.route("/big", .serve(body + [1, 2, 3]))
        #expect(throws: DownloadError.wrongSize(expected: Int64(body.count), actual: Int64(body.count + 3))) {
            try download("/big", bytes: Int64(body.count)).run()
        }
    }

    @Test func filesPublishedWithAnMD5AreCheckedByIt() throws {
        server.route("/w", .serve(body))
        var md5 = MD5()
        md5.update(body)
        let digest = md5.finalizeHex()
        let good = WeightsDownload(url: URL(string: server.url("/w"))!, destination: destination, checksum: .md5(digest))
        try good.run()
        #expect(installed() == body)
        try FileManager.default.removeItem(atPath: destination)
        let bad = WeightsDownload(url: URL(string: server.url("/w"))!, destination: destination, checksum: .md5(String(repeating: "0", count: 32)))
        do {
            try bad.run()
            Issue.record("a file with the wrong MD5 was installed")
        } catch {
            #expect(error.reason.contains("MD5 is \(digest)"))
        }
        #expect(installed() == nil)
    }

    @Test func anExistingFileIsReplacedOnlyByAVerifiedOne() throws {
        try FileManager.default.createDirectory(atPath: directory.path("cache"), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: destination))
        server.route("/w", .serve(Array(body.prefix(1000))))
        #expect(throws: DownloadError.self) { try download("/w").run() }
        #expect(installed() == Array("old".utf8))
    }
}

/// Progress reports, collected from the download's thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [(Int64, Int64?)] = []

    func add(_ done: Int64, _ total: Int64?) {
        lock.lock()
        reports.append((done, total))
        lock.unlock()
    }

    var last: (Int64, Int64?)? {
        lock.lock()
        defer { lock.unlock() }
        return reports.last
    }
}

extension SHA256 {
    static func hexDigest(of bytes: [UInt8]) -> String {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }
}
