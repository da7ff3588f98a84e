import VGGImaging
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
    /// A worker (`vggbatch work`): it finds no files, so progress counts what it wrote.
    var worker = false
    private let terminal = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastLine = Date()
    private var drewBar = false
    /// The pace over the last reports: what the live lines and JSON show, and the ETA.
    private var recent = RecentPace()

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

    func header(database: String, model: LoadedModel, preparation: ImagePreparation) {
        printError("index: \(database)")
        printError(
            "weights: \(model.identity.path) (\(model.identity.summary)); preprocessing: \(model.preset.rawValue); resize: "
                + "\(preparation.policy); colour profiles: \(preparation.color); kernels: \(model.network.kernels.instructionSet.rawValue); "
                + "precision: \(model.network.options.precision.rawValue)")
    }

    func progress(_ p: ScanProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let (pace, filesPace) = recent.note(p)
        let total = "\(p.discovered)\(p.walkFinished ? "" : "+")"
        if json {
            guard now.timeIntervalSince(lastLine) >= 2 else { return }
            lastLine = now
            var fields = [
                ("event", JSONText.string("progress")), ("discovered", "\(p.discovered)"), ("done", "\(p.done)"),
                ("inferred", "\(p.inferred)"), ("failed", "\(p.failed)"), ("walk_finished", "\(p.walkFinished)"),
                ("images_per_second", String(format: "%.2f", p.imagesPerSecond)), ("seconds", String(format: "%.1f", p.seconds)),
                ("recent_images_per_second", String(format: "%.2f", pace)),
                ("eta_seconds", RecentPace.secondsLeft(p, filesPerSecond: filesPace).map { String(format: "%.0f", $0) } ?? "null"),
            ]
            if let waiting = p.waiting {
                fields += [("waiting_for_claimed", "\(waiting.files)"), ("claims_free_within_seconds", String(format: "%.0f", waiting.secondsLeft))]
            }
            FileHandle.standardOutput.write(Data((JSONText.object(fields) + "\n").utf8))
        } else if terminal {
            let width = 24
            // No share of a total that is not known yet: the bar fills once the walk has ended.
            let fraction = p.walkFinished && p.discovered > 0 ? Double(p.done) / Double(p.discovered) : 0
            let filled = min(width, Int(fraction * Double(width)))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
            let eta = RecentPace.secondsLeft(p, filesPerSecond: filesPace).map { " ETA \(Self.duration($0))" } ?? ""
            let line = worker
                ? String(format: "%@ written  %.2f img/s%@", counted(p.done, "file"), pace, Self.waiting(p))
                : String(format: "[%@] %d/%@ files  %.2f img/s%@%@", bar, p.done, total, pace, eta, Self.waiting(p))
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drewBar = true
        } else {
            guard now.timeIntervalSince(lastLine) >= 10 else { return }
            lastLine = now
            let rest = String(format: "%d through the network, %.2f images/s, %@", p.inferred, pace, Self.duration(p.seconds))
            printError((worker ? "work: \(counted(p.done, "file")) written, " : "scan: \(p.done)/\(total) files, ") + rest + Self.waiting(p))
        }
    }

    /// What the queue waits for, when it waits for other processes' claims.
    private static func waiting(_ p: ScanProgress) -> String {
        guard let waiting = p.waiting, waiting.files > 0 else { return "" }
        return "; waiting for \(counted(waiting.files, "file")) claimed by other workers"
            + (waiting.secondsLeft > 0 ? " (their leases run out within \(duration(waiting.secondsLeft)))" : "")
    }

    /// Ends the progress bar's line, so what is printed next starts on its own (lock held).
    private func endBar() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        drewBar = false
    }

    /// A line of its own on standard error, below the progress bar.
    func note(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        endBar()
        printError(line)
    }

    func searchUpdated(_ count: Int) {
        if !json { note("search data updated for \(counted(count, "image"))") }
    }

    func interrupting() {
        // A worker may be idle, waiting for work: it has no batch of its own to speak of.
        note(worker
            ? "vggbatch: interrupted; finishing the files claimed, if any, and handing the rest back (Ctrl-C again to quit at once)"
            : "vggbatch: interrupted; finishing the batch in flight and saving (Ctrl-C again to quit at once)")
    }

    /// Roots folded into a folder that contains them: their files keep their one entry.
    func folded(_ roots: [FoldedRoot], repaired: Bool) {
        if !roots.isEmpty {
            lock.lock()
            endBar()
            lock.unlock()
        }
        for root in roots {
            var parts = [String]()
            if root.moved > 0 { parts.append("its \(counted(root.moved, "file")) \(root.moved == 1 ? "is" : "are") now indexed under it") }
            if root.merged > 0 { parts.append("\(counted(root.merged, "file")) that had two entries now \(root.merged == 1 ? "has" : "have") one") }
            if parts.isEmpty { parts.append("it is now part of it") }
            printError(
                "\(PathBytes.display(root.inner)) is inside \(PathBytes.display(root.outer))\(repaired ? " (an index from an older vggbatch)" : ""): "
                    + parts.joined(separator: "; "))
        }
    }

    func summary(_ s: ScanSummary, modelID: Int64) {
        lock.lock()
        defer { lock.unlock() }
        let p = s.progress
        end(s, jsonFields: [
            ("new", "\(p.new)"), ("changed", "\(p.changed)"), ("touched", "\(p.touched)"),
            ("unchanged", "\(p.unchanged)"), ("moved", "\(p.moved)"), ("failed", "\(p.failed)"),
            ("missing", "\(s.missing)"), ("held_back", "\(s.heldBack)"), ("skipped", "\(p.skipped)"), ("unreadable", "\(p.unreadable)"),
            ("skipped_formats", JSONText.object(p.skippedFormats.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") })),
            ("computed", "\(p.inferred)"), ("queued", "\(p.queued)"), ("written_from_queue", "\(p.writtenFromQueue)"),
            ("written_for_other_scans", "\(p.forOthers)"), ("model", "\(modelID)"),
            ("interrupted", "\(s.interrupted)"),
        ])
        for (path, reason) in s.walkProblems.prefix(20) { printError("\(path): \(reason)") }
        if s.walkProblems.count > 20 { printError("... and \(s.walkProblems.count - 20) more") }
        for (path, reason) in s.unavailableRoots {
            printError(
                "vggbatch: \(path) could not be scanned (\(reason)); nothing under it was marked missing "
                    + "(if it is gone for good, `vggbatch roots remove \(path)` forgets it)")
        }
        for (path, places) in s.incompleteRoots {
            printError("vggbatch: \(counted(places, "place")) under \(path) could not be read (see above); nothing there was marked missing")
        }
        for path in s.emptyFolders { printError("vggbatch: \(path): no photos found") }
        if !p.skippedFormats.isEmpty {
            let formats = p.skippedFormats.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }
            printError("vggbatch: skipped files in formats vggbatch does not read: \(formats.joined(separator: ", "))")
        }
        for (path, vanished, known) in s.protectedRoots {
            printError("vggbatch: \(vanished) of \(known) known files under \(path) vanished at once; not marking them missing (an unmounted drive?). If they really are gone, scan again with --accept-missing.")
        }
        if s.interrupted { printError("vggbatch: scan interrupted; what was done is saved, the next scan carries on") }
        if verbose && p.inferred > 0 { printError(Self.coreTimeLine(s)) }
        if queueOnly {
            // Nothing is computed here: the counts of a computing scan would all read 0.
            printError(String(
                format: "%@ queued for `vggbatch work` of model %lld, %d unchanged, %d touched, %d moved, %d skipped, %d unreadable; %@; "
                    + "nothing was computed or marked missing here (a scan without --queue-only does that once the queue is done)",
                counted(p.queued, "file"), modelID, p.unchanged, p.touched, p.moved, p.skipped, p.unreadable, Self.duration(p.seconds)))
        } else {
            printError(String(
                format: "%d new, %d changed, %d touched, %d unchanged, %d moved, %d failed, %d missing, %d skipped, %d unreadable; %d computed for model %lld; %@, %.2f images/s",
                p.new, p.changed, p.touched, p.unchanged, p.moved, p.failed, s.missing, p.skipped, p.unreadable, p.inferred, modelID,
                Self.duration(p.seconds), p.imagesPerSecond))
        }
        if queueOnly {
            // Said above.
        } else if p.queued > 0 && s.interrupted {
            printError(
                "\(counted(p.queued, "file")) queued; \(p.writtenFromQueue) written by this process before the interruption, the rest "
                    + "are written by other workers or wait in the queue for `vggbatch work` or the next scan")
        } else if p.queued > 0 {
            let others = max(0, p.queued - p.writtenFromQueue)
            printError(
                "\(counted(p.queued, "file")) went through the shared queue: \(p.writtenFromQueue) written by this process, \(others) by other "
                    + "workers (the counts above are of the files this process wrote)")
        }
        if p.forOthers > 0 {
            printError("this process also wrote \(counted(p.forOthers, "file")) that other scans had queued (among the computed above, in none of the other counts)")
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
        let p = s.progress
        end(s, jsonFields: [
            ("written", "\(p.done)"), ("computed", "\(p.inferred)"), ("failed", "\(p.failed)"),
            ("moved", "\(p.moved)"), ("model", "\(modelID)"), ("interrupted", "\(s.interrupted)"),
        ])
        if s.interrupted { printError("vggbatch: worker interrupted; its unfinished files went back to the queue") }
        printError(String(
            format: "%@ written (%d computed, %d failed, %d moved) for model %lld; %@, %.2f images/s",
            counted(p.done, "file"), p.inferred, p.failed, p.moved, modelID, Self.duration(p.seconds), p.imagesPerSecond))
    }

    /// Ends the progress bar and, with --json, prints the summary line: `jsonFields` and the
    /// run's timing (under the caller's lock).
    private func end(_ s: ScanSummary, jsonFields: [(String, String)]) {
        endBar()
        if json { print(JSONText.object([("event", JSONText.string("summary"))] + jsonFields + Self.timing(s))) }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        return s < 3600 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }
}
