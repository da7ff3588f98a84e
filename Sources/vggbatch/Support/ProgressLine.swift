import Foundation
import VGGInference

/// "name: 123.4 of 553.4 MB (22%)" rewritten in place on a terminal; nothing otherwise.
final class ProgressLine: @unchecked Sendable {
    private let name: String
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var shown = false

    init(name: String) {
        self.name = name
    }

    /// Shows a download of the default weights: the announcement once, then the bytes.
    func show(_ event: DownloadEvent) {
        switch event {
        case .started(let announcement): printError("vggbatch: " + announcement)
        case .progress(let done, let total): show(done, total)
        case .finished: finish()
        }
    }

    func show(_ done: Int64, _ total: Int64?) {
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
