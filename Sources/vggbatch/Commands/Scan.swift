import ArgumentParser
import Foundation
import VGGEngine
import VGGPipeline
import VGGStore

extension VGGBatch {
    /// `vggbatch scan`: index folders into the SQLite index, incrementally.
    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Index the JPEG and PNG files under folders: labels and fc7 features into SQLite.",
            discussion: """
                Incremental: unchanged files (same size, time and inode) are not opened, moved or \
                renamed files keep their results, vanished files are marked missing (never \
                deleted; see `vggbatch prune`), unless their whole root is unreachable or most of \
                it vanished at once. Ctrl-C finishes the batch in flight, saves it and exits 130; \
                the next scan carries on. Exit status: 0 when every file was indexed or unchanged, \
                1 when some failed (see `vggbatch status --failed`), 2 when the scan could not run.
                """)

        @Argument(help: ArgumentHelp("Folders to index.", valueName: "dir"))
        var directories: [String]

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var model: ModelOptions
        @OptionGroup var engine: EngineArguments
        @OptionGroup var imageOptions: ImageOptions

        @Option(help: "Threads that read and decode files (the engine has its own).")
        var decodeThreads = 1

        @Flag(help: "Follow symbolic links (loops are detected and skipped).")
        var followSymlinks = false

        @Flag(help: "Include hidden files and folders and system folders (.git, @eaDir, node_modules, ...).")
        var includeHidden = false

        @Flag(help: "Mark vanished files missing even when most of a folder vanished at once (normally taken for an unmounted drive).")
        var acceptMissing = false

        @Flag(help: "Print progress and the summary as JSON lines on standard output.")
        var json = false

        func validate() throws {
            if directories.isEmpty { throw ValidationError("Give at least one folder to scan.") }
            if !(1...64).contains(decodeThreads) { throw ValidationError("--decode-threads must be 1...64, got \(decodeThreads).") }
        }

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let path = database.path(environment: environment)
            let session = try ScanSession.open(databasePath: path, createDirectory: database.usesDefaultLocation(environment: environment))
            let loaded = try LoadedModel.load(model, engine: engine.options())
            let preparation = try imageOptions.preparation(for: loaded.network.architecture)
            let report = ScanReporter(json: json)
            report.header(database: path, model: loaded, resize: preparation.policy.rawValue)

            let options = ScanOptions(
                roots: ScanSession.distinctRoots(directories.map(ScanSession.absoluteRoot)),
                walk: WalkOptions(includeHidden: includeHidden, followSymlinks: followSymlinks),
                decodeThreads: decodeThreads, preparation: preparation, acceptMassMissing: acceptMissing)
            let runOptions = "roots=\(directories) batch=\(engine.batchSize) threads=\(engine.threads) decode-threads=\(decodeThreads) resize=\(preparation.policy.rawValue) follow-symlinks=\(followSymlinks) include-hidden=\(includeHidden)"
            let summary = try session.scan(
                options: options, runOptions: runOptions, model: loaded,
                classifier: EngineClassifier(network: loaded.network, preset: loaded.preset), reporter: report)
            report.summary(summary)
            if summary.interrupted { throw ExitCode(130) }
            if summary.progress.failed > 0 { throw ExitCode.failure }
        }
    }
}
