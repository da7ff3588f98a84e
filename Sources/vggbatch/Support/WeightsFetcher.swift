import Foundation
import VGGModel

/// Downloads a weights file with a progress line on standard error, for `weights fetch`
/// and for `scan` and `classify` when no weights are installed.
enum WeightsFetcher {
    /// A mirror for the default file's URL (a proxy, a local copy on an offline network).
    static let mirrorVariable = "VGGBATCH_MIRROR"
    /// Set to 1 to never download.
    static let offlineVariable = "VGGBATCH_OFFLINE"

    static func isOffline(_ environment: [String: String]) -> Bool {
        ["1", "true", "yes"].contains(environment[offlineVariable]?.lowercased() ?? "")
    }

    /// Downloads `url` to `destination`, checked against `checksum` (and `bytes` when known).
    /// `announce`, if given, is printed once the server starts sending, so a failure to
    /// connect stays a single line.
    static func fetch(
        url: String, destination: String, checksum: WeightsDownload.Checksum, bytes: Int?, name: String, announce: String? = nil
    ) throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? "") else {
            throw CommandFailure("\(url) is not an http or https URL")
        }
        let download = WeightsDownload(url: parsed, destination: destination, checksum: checksum, bytes: bytes.map(Int64.init))
        let line = ProgressLine(name: name, announce: announce)
        do throws(DownloadError) {
            try download.run { done, total in line.show(done, total) }
            line.finish()
        } catch {
            line.finish()
            var message = error.reason
            if case .network = error {
                let partial = FileManager.default.fileExists(atPath: download.partialPath)
                message += partial ? "; run the same command again to resume" : ""
                message += "; or download \(url) yourself and save it as \(destination)"
            }
            throw CommandFailure(message)
        }
    }
}

/// "name: 123.4 of 553.4 MB (22%)" rewritten in place on a terminal; nothing otherwise.
final class ProgressLine: @unchecked Sendable {
    private let name: String
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var shown = false
    private var announce: String?

    init(name: String, announce: String? = nil) {
        self.name = name
        self.announce = announce
    }

    func show(_ done: Int64, _ total: Int64?) {
        lock.lock()
        if let announce {
            FileHandle.standardError.write(Data((announce + "\n").utf8))
            self.announce = nil
        }
        lock.unlock()
        guard terminal else { return }
        let megabytes = Double(done) / 1e6
        let text: String
        if let total, total > 0 {
            text = String(format: "%@: %.1f of %.1f MB (%.0f%%)", name, megabytes, Double(total) / 1e6, 100 * Double(done) / Double(total))
        } else {
            text = String(format: "%@: %.1f MB", name, megabytes)
        }
        lock.lock()
        FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
        shown = true
        lock.unlock()
    }

    func finish() {
        lock.lock()
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
        shown = false
        lock.unlock()
    }
}
