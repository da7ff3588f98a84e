import Foundation
import VGGCommon
import VGGImaging
import VGGIndexTypes

/// Where a scan's files come from, feeding the same stages (decode, network, writer): a walk
/// of its folders (`WalkedFiles`), or a shared work queue that the walk fills and every
/// worker claims from (`QueuedFiles`).
protocol FileSource {
    /// How many files may wait for the decoders.
    func capacity(batchSize: Int) -> Int
    /// Starts the source's threads: files to compute go to `work` (closed when the source
    /// is done), files that need no work straight to `records`.
    func start(into work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>)
    /// After a cancelled or failed run: hands back what was taken and not written.
    func abandon()
    /// Whether this process saw every file of its folders, so that those it did not see can
    /// be marked missing.
    var seesEveryFile: Bool { get }
}

/// A file for the decoders, with what the index knows of it.
struct WorkItem {
    var file: FoundFile
    var known: KnownFile?
    /// The decode settings of the scan that queued the file, when it came from a queue.
    var preparation: ImagePreparation?
}

/// The files of a local scan: its folders walked, in order, on a thread of their own.
struct WalkedFiles: FileSource {
    let walk: FolderWalk

    func capacity(batchSize: Int) -> Int { 64 }

    func start(into work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>) {
        let thread = Thread {
            walk.run(records: records, pass: { found, known in work.put(WorkItem(file: found, known: known)) })
            work.close()
        }
        thread.name = "vggbatch-walker"
        thread.start()
    }

    func abandon() {}

    var seesEveryFile: Bool { true }
}

/// A walk of a scan's folders: every file is looked up in the index; unchanged ones go
/// straight to the writer as records, the others to `pass`. Unreadable places are counted
/// and remembered, so that the files below them are not taken for gone.
final class FolderWalk: @unchecked Sendable {
    let targets: [ScanTarget]
    private let options: WalkOptions
    private let index: ScanIndex
    private let state: ScanPipeline.SharedState
    private let cancellation: CancellationFlag

    init(targets: [ScanTarget], options: WalkOptions, index: ScanIndex, state: ScanPipeline.SharedState, cancellation: CancellationFlag) {
        self.targets = targets
        self.options = options
        self.index = index
        self.state = state
        self.cancellation = cancellation
    }

    /// Walks every target in order, then calls `finish` (what `pass` buffered goes out) and
    /// only then marks the walk finished.
    func run(records: BoundedQueue<ScanRecord>, pass: (FoundFile, KnownFile?) -> Void, finish: () -> Void = {}) {
        defer {
            finish()
            state.update { $0.walkFinished = true }
        }
        for (number, target) in targets.enumerated() {
            guard walk(target, number: number, records: records, pass: pass) else { return }
        }
    }

    /// Walks one target; false when the scan must stop (cancelled, or the index failed).
    private func walk(_ target: ScanTarget, number: Int, records: BoundedQueue<ScanRecord>, pass: (FoundFile, KnownFile?) -> Void) -> Bool {
        let walker: DirectoryWalker
        do {
            walker = try DirectoryWalker(root: target.path, options: options)
        } catch {
            state.addUnavailable(PathBytes.display(target.path), error.reason)
            return true
        }
        var candidates = 0
        // Places below the root the walk did not enter: what the index holds there was not
        // seen, and is not taken for gone. The rest of the root still is walked completely.
        var unwalked = [[UInt8]]()
        var unreadable = 0
        for entry in walker {
            if cancellation.isCancelled || state.failure != nil { return true }
            let path = PathBytes.display(entry.absolutePath)
            let relative = PathBytes.join(target.subpath, entry.relativePath)
            switch entry.kind {
            case .file(let stat):
                candidates += 1
                state.update { $0.discovered += 1 }
                let found = FoundFile(rootID: target.rootID, relativePath: relative, absolutePath: entry.absolutePath, stat: stat)
                let known: KnownFile?
                do {
                    known = try index.knownFile(rootID: target.rootID, relativePath: relative)
                } catch {
                    state.fail(error)
                    return false
                }
                if let known, known.stat == stat, ScanPipeline.settled(known) {
                    records.put(.unchanged(known))
                } else {
                    pass(found, known)
                }
            case .skipped(let reason):
                state.update { $0.skipped += 1 }
                state.addProblem(path, reason)
                // Files below a link not followed or a folder too deep to enter were not
                // seen, not gone; the rules said not to go there, so the walk is complete.
                if entry.hidesFiles { unwalked.append(relative) }
            case .unsupportedFormat(let format):
                state.update {
                    $0.skipped += 1
                    $0.skippedFormats[format, default: 0] += 1
                }
            case .unreadable(let reason):
                state.update { $0.unreadable += 1 }
                state.addProblem(path, reason)
                // An unreadable folder, file or link target: only that place is unseen.
                unwalked.append(relative)
                unreadable += 1
            }
        }
        state.markCompleted(number, unwalked: unwalked)
        if candidates == 0 && unwalked.isEmpty { state.addEmpty(PathBytes.display(target.path)) }
        if unreadable > 0 { state.addIncomplete(PathBytes.display(target.path), places: unreadable) }
        return true
    }
}
