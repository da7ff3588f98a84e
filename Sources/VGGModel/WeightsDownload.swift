import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import VGGCommon

/// Why a download did not install a file. Whatever the case, nothing is at the destination
/// that was not there before; a partial file (`destination.part`) is kept only when a later
/// attempt can resume it.
public enum DownloadError: Error, Equatable, Sendable {
    /// The server answered with an HTTP error status.
    case http(status: Int, url: String)
    /// No connection, or it broke and retries did not finish the file.
    case network(url: String, reason: String)
    /// The whole file arrived but is not the expected one (hex digests, of the kind expected).
    case checksumMismatch(expected: String, actual: String)
    /// More or fewer bytes than the file has.
    case wrongSize(expected: Int64, actual: Int64)
    /// The partial or final file could not be written.
    case io(path: String, reason: String)

    /// One line for a person.
    public var reason: String {
        switch self {
        case .http(let status, let url):
            return "\(url) answered HTTP \(status)" + (status == 404 ? " (not found)" : "")
        case .network(let url, let reason):
            return "cannot download \(url): \(reason)"
        case .checksumMismatch(let expected, let actual):
            let kind = expected.count == 32 ? "MD5" : "SHA-256"
            return "the downloaded file's \(kind) is \(actual), expected \(expected); it was deleted and nothing was installed"
        case .wrongSize(let expected, let actual):
            return "the download has \(actual) bytes, expected \(expected); it was deleted and nothing was installed"
        case .io(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

/// Downloads one file to a destination, resuming an interrupted download with an HTTP
/// Range request, and installs it (an atomic rename) only once its size and checksum match.
///
/// The bytes go to `destination.part` as they arrive. A broken connection keeps the part
/// file and tries again from its end (up to `attempts` times while progress is being made);
/// a later call resumes it too. A server that ignores the range is read from the start. A
/// complete file that fails the check is deleted. Redirects are followed (URLSession).
public struct WeightsDownload: Sendable {
    /// The digest a file must have: SHA-256, or MD5 where that is all its publisher gives.
    public enum Checksum: Sendable, Equatable {
        case sha256(String)
        case md5(String)

        /// "SHA-256" or "MD5".
        public var kind: String {
            if case .md5 = self { return "MD5" }
            return "SHA-256"
        }

        /// The expected digest, lowercase hex.
        public var hex: String {
            switch self {
            case .sha256(let hex), .md5(let hex): return hex.lowercased()
            }
        }

        /// The digest of the file at `path`, of this kind.
        public func digest(ofFile path: String) throws(ModelError) -> String {
            switch self {
            case .sha256: return try SHA256.hexDigest(ofFile: path)
            case .md5: return try MD5.hexDigest(ofFile: path)
            }
        }
    }

    public var url: URL
    public var destination: String
    public var checksum: Checksum
    /// Exact size, when known; the download stops as soon as it would exceed it.
    public var bytes: Int64?
    /// Connection attempts in one call.
    public var attempts = 5

    public init(url: URL, destination: String, checksum: Checksum, bytes: Int64? = nil) {
        self.url = url
        self.destination = destination
        self.checksum = checksum
        self.bytes = bytes
    }

    public init(url: URL, destination: String, sha256: String, bytes: Int64? = nil) {
        self.init(url: url, destination: destination, checksum: .sha256(sha256), bytes: bytes)
    }

    public var partialPath: String { destination + ".part" }

    /// Downloads, verifies and installs the file. `progress` gets (bytes so far, total if
    /// known) from a background thread, a few times a second at most.
    public func run(progress: @escaping @Sendable (Int64, Int64?) -> Void = { _, _ in }) throws(DownloadError) {
        let directory = (destination as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: error.localizedDescription)
        }
        var lastFailure: DownloadError?
        var attempt = 0
        while attempt < attempts {
            attempt += 1
            let before = Self.size(of: partialPath)
            if let bytes, before >= bytes {
                break  // Already all there (or more): the check below decides.
            }
            do throws(DownloadError) {
                try fetch(resumingAt: before, progress: progress)
                lastFailure = nil
                break
            } catch {
                lastFailure = error
                // Only a broken transfer is worth another try, and only while it advances.
                guard case .network = error, Self.size(of: partialPath) > before else { break }
                attempt = 0
            }
        }
        if let lastFailure {
            if case .network = lastFailure {} else { try? FileManager.default.removeItem(atPath: partialPath) }
            throw lastFailure
        }
        try verifyAndInstall()
    }

    private func verifyAndInstall() throws(DownloadError) {
        let size = Self.size(of: partialPath)
        if let bytes, size != bytes {
            try? FileManager.default.removeItem(atPath: partialPath)
            throw .wrongSize(expected: bytes, actual: size)
        }
        let actual: String
        do {
            actual = try checksum.digest(ofFile: partialPath)
        } catch {
            throw .io(path: partialPath, reason: error.reason)
        }
        guard actual == checksum.hex else {
            try? FileManager.default.removeItem(atPath: partialPath)
            throw .checksumMismatch(expected: checksum.hex, actual: actual)
        }
        guard rename(partialPath, destination) == 0 else {
            throw .io(path: destination, reason: String(cString: strerror(errno)))
        }
    }

    /// One HTTP request from `offset`, appending to the part file.
    private func fetch(resumingAt offset: Int64, progress: @escaping @Sendable (Int64, Int64?) -> Void) throws(DownloadError) {
        var request = URLRequest(url: url)
        request.setValue("vggbatch", forHTTPHeaderField: "User-Agent")
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let receiver = Receiver(path: partialPath, offset: offset, limit: bytes, url: url.absoluteString, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30  // seconds without data before giving up
        let session = URLSession(configuration: configuration, delegate: receiver, delegateQueue: nil)
        session.dataTask(with: request).resume()
        receiver.done.wait()
        session.finishTasksAndInvalidate()
        if let failure = receiver.failure { throw failure }
    }

    static func size(of path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}

/// Streams one response into the part file. URLSession calls it on its own queue, one
/// callback at a time.
private final class Receiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private(set) var failure: DownloadError?
    private let path: String
    private var offset: Int64
    private let limit: Int64?
    private let url: String
    private let progress: @Sendable (Int64, Int64?) -> Void
    private var handle: FileHandle?
    private var total: Int64?
    private var lastReport = Date.distantPast

    init(path: String, offset: Int64, limit: Int64?, url: String, progress: @escaping @Sendable (Int64, Int64?) -> Void) {
        self.path = path
        self.offset = offset
        self.limit = limit
        self.url = url
        self.progress = progress
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        switch status {
        case 206 where offset > 0:
            total = length.map { offset + $0 }
        case 200:
            // A fresh start (the server sent the whole file, with or without our range).
            offset = 0
            total = length
        case 416 where offset > 0:
            // The part file already holds everything the server has: let the check decide.
            completionHandler(.cancel)
            return
        default:
            failure = .http(status: status, url: url)
            completionHandler(.cancel)
            return
        }
        if let limit, let total, total != limit {
            failure = .wrongSize(expected: limit, actual: total)
            completionHandler(.cancel)
            return
        }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            failure = .io(path: path, reason: "cannot open for writing")
            completionHandler(.cancel)
            return
        }
        do {
            try handle.truncate(atOffset: UInt64(offset))
            try handle.seekToEnd()
        } catch {
            failure = .io(path: path, reason: error.localizedDescription)
            completionHandler(.cancel)
            return
        }
        self.handle = handle
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let handle else { return }
        var chunk = data
        // Never more than the announced (or known) size, whatever the server sends.
        if let cap = limit ?? total, offset + Int64(chunk.count) > cap {
            chunk = chunk.prefix(Int(max(0, cap - offset)))
        }
        do {
            try handle.write(contentsOf: chunk)
        } catch {
            failure = .io(path: path, reason: error.localizedDescription)
            dataTask.cancel()
            return
        }
        offset += Int64(chunk.count)
        if Date().timeIntervalSince(lastReport) >= 0.2 {
            lastReport = Date()
            progress(offset, total)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let handle {
            try? handle.synchronize()
            try? handle.close()
        }
        if failure == nil, let error {
            let cancelled = (error as? URLError)?.code == .cancelled
            if !cancelled { failure = .network(url: url, reason: Self.describe(error)) }
        }
        if failure == nil, let total, offset < total {
            failure = .network(url: url, reason: "the connection closed after \(offset) of \(total) bytes")
        }
        if failure == nil { progress(offset, total) }
        done.signal()
    }

    private static func describe(_ error: Error) -> String {
        guard let urlError = error as? URLError else { return error.localizedDescription }
        switch urlError.code {
        case .cannotConnectToHost: return "connection refused"
        case .notConnectedToInternet, .cannotFindHost, .dnsLookupFailed: return "no network (host not reachable)"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "the connection was lost"
        default: return urlError.localizedDescription
        }
    }
}
