import Foundation
import VGGCommon
import VGGPipeline
import VGGIndexTypes
import VGGInference
import VGGQuery

/// Shows a scan's progress: a live bar on a terminal, a plain line every ten seconds
/// otherwise, or JSON lines with `--json`; then the summary.
final class ScanReporter: @unchecked Sendable {
    private let json: Bool
    /// The scan only queues files for other workers (`--queue-only`).
    var queueOnly = false
    private let terminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastLine = Date()
    private var drewBar = false

    private let verbose: Bool

    init(json: Bool, verbose: Bool = false) {
        self.json = json
        self.verbose = verbose
    }

    /// Where the processor time went, per computed image, and which stage limits the scan.
    static func coreTimeLine(_ s: ScanSummary) -> String {
        let images = max(1, s.progress.inferred)
        let perImage = { (seconds: Double) in String(format: "%.1f ms", seconds * 1000 / Double(images)) }
        let total = max(s.processCoreSeconds, 1e-9)
        let share = { (seconds: Double) in String(format: "%.0f%%", 100 * seconds / total) }
        let limit = s.decodeCoreSeconds > s.engineCoreSeconds ? "decoding is the larger cost" : "the network is the larger cost"
        return "core time per computed image: read+decode+resize \(perImage(s.decodeCoreSeconds)) (\(share(s.decodeCoreSeconds))), "
            + "network \(perImage(s.engineCoreSeconds)) (\(share(s.engineCoreSeconds))), other \(perImage(s.otherCoreSeconds)) "
            + "(\(share(s.otherCoreSeconds))); " + String(format: "%.2f core-seconds in %.2f s; ", s.processCoreSeconds, s.progress.seconds) + limit
    }

    func header(database: String, model: LoadedModel, resize: String) {
        printError("index: \(database)")
        printError(
            "weights: \(model.identity.path) (\(model.identity.summary)); preprocessing: \(model.preset.rawValue); resize: \(resize); "
                + "kernels: \(model.network.kernels.instructionSet.rawValue)")
    }

    func progress(_ p: ScanProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let total = "\(p.discovered)\(p.walkFinished ? "" : "+")"
        if json {
            guard now.timeIntervalSince(lastLine) >= 2 else { return }
            lastLine = now
            FileHandle.standardOutput.write(Data((JSONText.object([
                ("event", JSONText.string("progress")), ("discovered", "\(p.discovered)"), ("done", "\(p.done)"),
                ("inferred", "\(p.inferred)"), ("failed", "\(p.failed)"), ("walk_finished", "\(p.walkFinished)"),
                ("images_per_second", String(format: "%.2f", p.imagesPerSecond)), ("seconds", String(format: "%.1f", p.seconds)),
            ]) + "\n").utf8))
        } else if terminal {
            let width = 24
            let fraction = p.discovered > 0 ? Double(p.done) / Double(p.discovered) : 0
            let filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
            let rate = p.seconds > 0 ? Double(p.done) / p.seconds : 0
            let eta = p.walkFinished && rate > 0 ? " ETA \(Self.duration(Double(p.discovered - p.done) / rate))" : ""
            FileHandle.standardError.write(Data(String(
                format: "\r\u{1B}[K[%@] %d/%@ files  %.2f img/s%@", bar, p.done, total, p.imagesPerSecond, eta).utf8))
            drewBar = true
        } else {
            guard now.timeIntervalSince(lastLine) >= 10 else { return }
            lastLine = now
            printError(String(format: "scan: %d/%@ files, %d through the network, %.2f images/s, %@", p.done, total, p.inferred, p.imagesPerSecond, Self.duration(p.seconds)))
        }
    }

    func searchUpdated(_ count: Int) {
        if !json { printError("search data updated for \(count) images") }
    }

    func interrupting() {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        printError("vggbatch: interrupted; finishing the batch in flight and saving (Ctrl-C again to quit at once)")
    }

    /// Roots folded into a folder that contains them: their files keep their one entry.
    func folded(_ roots: [FoldedRoot], repaired: Bool) {
        for root in roots {
            var parts = [String]()
            if root.moved > 0 { parts.append("its \(root.moved) files are now indexed under it") }
            if root.merged > 0 { parts.append("\(root.merged) files that had two entries now have one") }
            if parts.isEmpty { parts.append("it is now part of it") }
            printError(
                "\(PathBytes.display(root.inner)) is inside \(PathBytes.display(root.outer))\(repaired ? " (an index from an older vggbatch)" : ""): "
                    + parts.joined(separator: "; "))
        }
    }

    func summary(_ s: ScanSummary, modelID: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        let p = s.progress
        if json {
            print(JSONText.object([
                ("event", JSONText.string("summary")), ("new", "\(p.new)"), ("changed", "\(p.changed)"), ("touched", "\(p.touched)"),
                ("unchanged", "\(p.unchanged)"), ("moved", "\(p.moved)"), ("failed", "\(p.failed)"),
                ("missing", "\(s.missing)"), ("skipped", "\(p.skipped)"), ("unreadable", "\(p.unreadable)"),
                ("computed", "\(p.inferred)"), ("queued", "\(p.queued)"), ("model", "\(modelID)"),
                ("interrupted", "\(s.interrupted)"),
            ] + Self.timing(s)))
        }
        for (path, reason) in s.walkProblems.prefix(20) { printError("\(path): \(reason)") }
        if s.walkProblems.count > 20 { printError("... and \(s.walkProblems.count - 20) more") }
        for (path, reason) in s.unavailableRoots {
            printError("vggbatch: \(path) could not be scanned (\(reason)); nothing under it was marked missing")
        }
        for path in s.incompleteRoots {
            printError("vggbatch: \(path) was not walked completely (see the problems above); nothing under it was marked missing")
        }
        for path in s.emptyFolders { printError("vggbatch: \(path): no JPEG or PNG files found") }
        for (path, vanished, known) in s.protectedRoots {
            printError("vggbatch: \(vanished) of \(known) known files under \(path) vanished at once; not marking them missing (an unmounted drive?). If they really are gone, scan again with --accept-missing.")
        }
        if s.interrupted { printError("vggbatch: scan interrupted; what was done is saved, the next scan carries on") }
        if verbose && p.inferred > 0 { printError(Self.coreTimeLine(s)) }
        printError(String(
            format: "%d new, %d changed, %d touched, %d unchanged, %d moved, %d failed, %d missing, %d skipped; %d computed for model %lld; %@, %.2f images/s",
            p.new, p.changed, p.touched, p.unchanged, p.moved, p.failed, s.missing, p.skipped, p.inferred, modelID,
            Self.duration(p.seconds), p.imagesPerSecond))
        if p.queued > 0 && queueOnly {
            printError("\(counted(p.queued, "file")) queued for `vggbatch work`; nothing was marked missing (a scan without --queue-only does that once the queue is done)")
        } else if p.queued > 0 {
            printError("\(counted(p.queued, "file")) went through the shared queue; the counts above are of the files this process wrote, the rest were written by other workers")
        }
        if p.failed > 0 { printError("failed files are listed by `vggbatch status --failed`") }
    }

    /// The time fields of a JSON summary.
    private static func timing(_ s: ScanSummary) -> [(String, String)] {
        [
            ("seconds", String(format: "%.2f", s.progress.seconds)), ("images_per_second", String(format: "%.2f", s.progress.imagesPerSecond)),
            ("write_seconds", String(format: "%.3f", s.writeSeconds)), ("inference_seconds", String(format: "%.3f", s.inferenceSeconds)),
            ("decode_core_seconds", String(format: "%.3f", s.decodeCoreSeconds)),
            ("engine_core_seconds", String(format: "%.3f", s.engineCoreSeconds)),
            ("other_core_seconds", String(format: "%.3f", s.otherCoreSeconds)),
            ("core_seconds", String(format: "%.3f", s.processCoreSeconds)),
        ]
    }

    /// What a worker did, when it stops.
    func workSummary(_ s: ScanSummary, modelID: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        let p = s.progress
        if json {
            print(JSONText.object([
                ("event", JSONText.string("summary")), ("written", "\(p.done)"), ("computed", "\(p.inferred)"), ("failed", "\(p.failed)"),
                ("moved", "\(p.moved)"), ("model", "\(modelID)"), ("interrupted", "\(s.interrupted)"),
            ] + Self.timing(s)))
        }
        if s.interrupted { printError("vggbatch: worker interrupted; its unfinished files went back to the queue") }
        printError(String(
            format: "%d files written (%d computed, %d failed, %d moved) for model %lld; %@, %.2f images/s",
            p.done, p.inferred, p.failed, p.moved, modelID, Self.duration(p.seconds), p.imagesPerSecond))
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        return s < 3600 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }
}
