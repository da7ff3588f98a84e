import ArgumentParser
import Foundation
import VGGCommon
import VGGEngine
import VGGPipeline
import VGGImaging
import VGGIndexTypes
import VGGIndexing
import VGGInference

extension VGGBatch {
    /// `vggbatch scan`: index folders into the SQLite index, incrementally.
    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Index the photos under folders: labels and fc7 features into SQLite or PostgreSQL.",
            discussion: """
                Incremental: unchanged files (same size, time and inode) are not opened, moved or \
                renamed files keep their results, vanished files are marked missing (never \
                deleted; see `vggbatch prune`), unless their whole root is unreachable or most of \
                it vanished at once. Ctrl-C finishes the batch in flight, saves it and exits 130; \
                the next scan carries on. A folder inside a folder already indexed is part of it \
                (its files keep their one entry); a folder that contains indexed folders takes them \
                over. Without --weights, the weights the index was built with are used again. \
                With a PostgreSQL index (--db postgresql://...), the files that need the network go \
                through a shared queue: `vggbatch work` on other machines computes them beside this \
                scan, which waits until the queue is done. Exit status: 0 when every file was indexed or unchanged, 1 when some failed (see \
                `vggbatch status --failed`) or vanished files were not marked missing for the reasons \
                above, 2 when the scan could not run.
                """)

        @Argument(help: ArgumentHelp("Folders to index (default: every folder the index already holds; see `vggbatch roots`).", valueName: "dir"))
        var directories: [String] = []

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var model: ModelOptions
        @OptionGroup var engine: EngineArguments
        @OptionGroup var imageOptions: ImageOptions

        @Option(parsing: .unconditional, help: "Threads that read and decode files (the engine has its own; default: one per core, up to 4).")
        var decodeThreads = ScanOptions.defaultDecodeThreads

        @OptionGroup var walk: WalkArguments

        @Flag(help: "Mark vanished files missing even when most of a folder vanished at once (normally taken for an unmounted drive).")
        var acceptMissing = false

        @Flag(help: "Compute the results of weights (or preprocessing, or resize policy) that are not yet a model of this index, beside the models it has.")
        var addModel = false

        @Option(parsing: .unconditional, help: ArgumentHelp(
            "PostgreSQL index: files claimed from the queue at a time, computed in engine batches (at least --batch-size).", valueName: "files"))
        var claim = QueueClaims.defaultClaimSize

        @OptionGroup var dbRetry: DatabaseRetryOption

        @Flag(help: "PostgreSQL index: only walk and queue the files that need the network, for `vggbatch work` on other machines (nothing is marked missing).")
        var queueOnly = false

        @Flag(help: "Print progress and the summary as JSON lines on standard output.")
        var json = false

        @Flag(help: "Also report where the processor time went: reading and decoding files, the network, the rest.")
        var verbose = false

        func validate() throws {
            if !(1...64).contains(decodeThreads) { throw ValidationError("--decode-threads must be 1...64, got \(decodeThreads).") }
            if !(1...4096).contains(claim) { throw ValidationError("--claim must be 1...4096 files, got \(claim).") }
        }

        func run() throws {
            // A folder that is not there is a mistake to hear about before anything is
            // written: no index created, no root registered.
            try WalkArguments.requireFolders(directories, fileHint: " (scan takes folders; see `vggbatch classify` for single images)")
            if queueOnly && !database.isPostgres {
                throw ValidationError("--queue-only needs a PostgreSQL index (--db postgresql://...): an SQLite index has no shared queue")
            }
            let index = try database.openWriter(reconnect: dbRetry.policy)
            defer { index.close() }
            let session = ScanSession(index: index)
            let report = ScanReporter(json: json, verbose: verbose)
            report.queueOnly = queueOnly
            do throws(IndexingError) {
                report.folded(try session.repairNestedRoots(), repaired: true)
            } catch {
                throw error.failure
            }
            var roots = directories.map(PathBytes.absolute)
            let remembered: StoredModel?
            let models: [StoredModel]
            do throws(StoreError) {
                if roots.isEmpty { roots = try index.roots.all().map(\.path) }
                remembered = try index.models.defaultModel()
                models = try index.models.all()
            } catch {
                throw error.failure
            }
            if roots.isEmpty { throw ValidationError("Give a folder to scan (the index holds none yet).") }

            // The index's model is computed with its own weights: if they cannot be found, say
            // so rather than compute another model; a new model is only added when asked.
            let addHint = "; or scan with --add-model to compute another model's results beside it"
            let loaded = try ModelOptions.load(
                WeightsRequest(path: model.weights, preprocess: model.preprocess, offline: model.offline, remembered: remembered,
                               requireRemembered: !addModel),
                engine: try engine.options(model: addModel ? nil : remembered), modelWeightsHint: addHint)
            var preparation = try imageOptions.preparation(
                for: loaded, default: ModelChoice.reusedResizePolicy(remembered: remembered, loaded: loaded))
            preparation.color = imageOptions.color ?? ModelChoice.color(for: loaded, resizePolicy: preparation.policy, models: models)
            do throws(IndexingError) {
                try ModelChoice.checkScan(
                    loaded: loaded, resizePolicy: preparation.policy, color: preparation.color, models: models, remembered: remembered,
                    addModel: addModel)
            } catch {
                throw error.failure
            }
            report.header(database: index.location, model: loaded, preparation: preparation)

            let folders = FolderScan(roots: PathBytes.outermost(roots), walk: walk.options, acceptMassMissing: acceptMissing)
            var shared = ScanSession.SharedQueue()
            shared.queueOnly = queueOnly
            shared.claims.claimSize = claim
            let runOptions = "roots=\(roots.map(PathBytes.display)) batch=\(engine.batchSize) threads=\(engine.threadCount) decode-threads=\(decodeThreads) resize=\(preparation.policy.rawValue) follow-symlinks=\(walk.followSymlinks) include-hidden=\(walk.includeHidden)"
                + (queueOnly ? " " + RunRecord.queueOnlyOption : "")
            let cancellation = CancellationFlag()
            let interrupts = InterruptHandler(cancellation: cancellation) { report.interrupting() }
            defer { interrupts.restore() }
            let outcome: ScanSession.Outcome
            do throws(IndexingError) {
                outcome = try session.scan(
                    folders: folders, shared: shared, options: ScanOptions(decodeThreads: decodeThreads, preparation: preparation),
                    runOptions: runOptions, model: loaded,
                    classifier: EngineClassifier(network: loaded.network, preset: loaded.preset), cancellation: cancellation,
                    runStarted: { interrupts.setRecorder($0) }, progress: { report.progress($0) })
            } catch {
                throw error.failure
            }
            if outcome.searchUpdated > 0 { report.searchUpdated(outcome.searchUpdated) }
            if let warning = outcome.searchWarning { report.note("vggbatch: warning: " + warning) }
            if let summary = outcome.approximate.summary { report.note(summary) }
            for note in outcome.approximate.notes { report.note("vggbatch: note: " + note) }
            report.folded(outcome.folded, repaired: false)
            report.summary(outcome.summary, modelID: outcome.modelID)
            if let status = Self.exitStatus(outcome.summary) { throw status }
        }

        /// 130 after Ctrl-C; 1 when a file failed or a place could not be read (it may hold
        /// photos that are not indexed), or a root that could not be walked or vanished at once
        /// left the index calling files present that are not there: worth a look, from a cron
        /// job too; nil (0) otherwise.
        static func exitStatus(_ summary: ScanSummary) -> ExitCode? {
            if summary.interrupted { return ExitCode(130) }
            let unmarked = !summary.unavailableRoots.isEmpty || !summary.protectedRoots.isEmpty
            return summary.progress.failed > 0 || summary.progress.unreadable > 0 || unmarked ? .failure : nil
        }
    }
}
