import ArgumentParser
import Foundation
import VGGCommon
import VGGImaging
import VGGIndexTypes
import VGGIndexing
import VGGInference
import VGGPipeline

extension VGGBatch {
    /// `vggbatch work`: compute files from a PostgreSQL index's shared queue.
    struct Work: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute files from the shared queue of a PostgreSQL index (one of many machines).",
            discussion: """
                `vggbatch scan DIR --db URL` walks the folders, queues the files that need the \
                network and computes them too; `vggbatch work --db URL` on any number of other \
                machines (which must see the photos at the same paths) claims batches, computes \
                them and writes the results, one transaction per batch, and exits when nothing \
                waits or is claimed (or keeps waiting with --follow). A claim lasts --lease seconds \
                without a write: a worker killed at any moment loses nothing, its files go to the \
                next one. The weights must be the index's model's: by default the file the scan \
                used, at the same path. Ctrl-C finishes the batch in flight and hands the rest \
                back. A lost connection is retried for --db-retry (a restart, a failover); the \
                first connection is not: a worker that cannot reach the server at start exits, \
                for its supervisor to start again. Exit status: 0 when done, 2 when the worker \
                could not run, 130 after Ctrl-C.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var model: ModelOptions
        @OptionGroup var engine: EngineArguments

        @Option(parsing: .unconditional, help: "Threads that read and decode files (the engine has its own; default: one per core, up to 4).")
        var decodeThreads = ScanOptions.defaultDecodeThreads

        @Option(parsing: .unconditional, help: ArgumentHelp("Seconds a claim lasts without a write from this worker.", valueName: "seconds"))
        var lease = DatabaseOptions.defaultLease

        @Option(parsing: .unconditional, help: ArgumentHelp(
            "Files claimed from the queue at a time, computed in engine batches (at least --batch-size); a worker holds up to two claims while it computes.",
            valueName: "files"))
        var claim = QueueClaims.defaultClaimSize

        @Option(name: .customLong("model"), help: ArgumentHelp("Work for this model of the index (default: the one the most files wait for).", valueName: "id"))
        var indexModel: Int64?

        @OptionGroup var dbRetry: DatabaseRetryOption

        @Flag(help: "Keep waiting for work when the queue is empty, until Ctrl-C.")
        var follow = false

        @Flag(help: "Print progress and the summary as JSON lines on standard output.")
        var json = false

        func validate() throws {
            if !(1...64).contains(decodeThreads) { throw ValidationError("--decode-threads must be 1...64, got \(decodeThreads).") }
            if !(1...4096).contains(claim) { throw ValidationError("--claim must be 1...4096 files, got \(claim).") }
            if !(5...86_400).contains(lease) { throw ValidationError("--lease must be 5...86400 seconds, got \(lease).") }
        }

        func run() throws {
            let index = try database.openWorker(lease: lease, reconnect: dbRetry.policy)
            defer { index.close() }
            let session = ScanSession(index: index)
            let cancellation = CancellationFlag()
            let report = ScanReporter(json: json)
            report.worker = true
            let interrupts = InterruptHandler(cancellation: cancellation) { report.interrupting() }
            defer { interrupts.restore() }

            let waiting: (model: StoredModel, waiting: Int)?
            do throws(IndexingError) {
                waiting = try session.waitingModel(id: indexModel, follow: follow, cancellation: cancellation) {
                    printError("the queue of \(index.location) is empty: waiting for work (Ctrl-C to stop)")
                }
            } catch {
                throw error.failure
            }
            guard let (target, count) = waiting else {
                if cancellation.isCancelled { throw ExitCode(130) }
                printError("the queue of \(index.location) is empty: nothing to compute")
                return
            }
            let request = WeightsRequest(
                path: model.weights, preprocess: model.preprocess,
                offline: model.offline, remembered: target, requireRemembered: true)
            let loaded = try ModelOptions.load(request, engine: try engine.options(model: target))
            do throws(IndexingError) {
                try ModelChoice.checkWorker(loaded: loaded, target: target)
            } catch {
                throw error.failure
            }
            let preparation: ImagePreparation
            do throws(InferenceError) {
                preparation = try loaded.preparation(ImagePreparation(policy: target.resizePolicy, color: target.color))
            } catch {
                throw error.failure
            }
            report.header(database: index.location, model: loaded, preparation: preparation)
            printError("working for model \(target.id): \(counted(count, "file")) waiting")
            var claims = QueueClaims()
            claims.claimSize = claim
            let summary: ScanSummary
            do throws(IndexingError) {
                summary = try session.work(
                    options: ScanOptions(decodeThreads: decodeThreads, preparation: preparation), claims: claims, follow: follow,
                    model: loaded, modelID: target.id,
                    classifier: EngineClassifier(network: loaded.network, preset: loaded.preset), cancellation: cancellation,
                    progress: { report.progress($0) })
            } catch {
                throw error.failure
            }
            report.workSummary(summary, modelID: target.id)
            if summary.interrupted { throw ExitCode(130) }
        }
    }
}
