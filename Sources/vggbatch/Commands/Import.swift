import ArgumentParser
import Foundation
import VGGCommon
import VGGIndexTypes
import VGGIndexing
import VGGPipeline

extension VGGBatch {
    /// `vggbatch import`: result lines from `classify --files-from` into an index.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Merge result lines (classify --files-from --features) into an index.",
            discussion: """
                Takes .jsonl files, gzip-compressed ones (.jsonl.gz) and folders of Spark output \
                (part-* files). Each file gets one row under the root that contains it: --root \
                folders, or else the one folder that holds every imported file (a folder inside a \
                known root is part of that root, as for scan). One transaction per batch of lines: \
                a killed import keeps what it wrote, and importing the same lines again changes \
                nothing. A file whose size or modification time here differs from its line's (or \
                that is not here) is stored as the line says, and the next scan reads it again and \
                recomputes it if its content changed. Lines of another model than --model (a \
                weights SHA-256 or a prefix of one; by default the first line's), lines without \
                features and lines of files outside the roots are refused and counted. \
                Exit status: 0 when every line was imported, 1 when some were refused, 2 when the \
                import could not run, 130 after Ctrl-C.
                """)

        @Argument(help: ArgumentHelp("Result files (.jsonl, .jsonl.gz) or folders of part-* files.", valueName: "results"))
        var results: [String]

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("root"), help: ArgumentHelp("A folder the files belong to (repeatable).", valueName: "folder"))
        var roots: [String] = []

        @Option(help: ArgumentHelp("Import lines of this model only: its weights SHA-256, or a prefix of 8 or more hex digits.", valueName: "sha256"))
        var model: String?

        @OptionGroup var dbRetry: DatabaseRetryOption

        @Flag(help: "Print the summary as one JSON line on standard output.")
        var json = false

        func validate() throws {
            if results.isEmpty { throw ValidationError("Give at least one result file or folder.") }
            if let model, model.count < 8 || model.count > 64 || !model.allSatisfy(\.isHexDigit) {
                throw ValidationError("--model takes a weights SHA-256 or a prefix of 8 or more hex digits, got '\(model)'.")
            }
        }

        func run() throws {
            for root in roots where PathBytes.kind(root) != .directory {
                throw CommandFailure("\(root): not a folder (--root names the folder the files belong to)")
            }
            let files: [String]
            do throws(IndexingError) {
                files = try ResultFiles.expand(results)
            } catch {
                throw error.failure
            }
            let index = try database.openWriter(reconnect: dbRetry.policy)
            defer { index.close() }
            let cancellation = CancellationFlag()
            let interrupts = InterruptHandler(cancellation: cancellation) {
                printError("vggbatch: stopping after the batch in flight (Ctrl-C again to stop at once)")
            }
            defer { interrupts.restore() }
            var options = ResultImport.Options()
            options.roots = PathBytes.outermost(roots.map(PathBytes.absolute))
            options.model = model
            var lastReport = Date()
            let summary: ResultImport.Summary
            do throws(IndexingError) {
                summary = try ResultImport(index: index).run(files: files, options: options, cancellation: cancellation) { partial in
                    guard !json, Date().timeIntervalSince(lastReport) > 2 else { return }
                    lastReport = Date()
                    printError("imported \(partial.new + partial.changed + partial.unchanged + partial.failed) of \(partial.lines) lines so far")
                }
            } catch {
                throw error.failure
            }
            report(summary)
            if summary.interrupted { throw ExitCode(130) }
            if summary.refused > 0 { throw ExitCode.failure }
        }

        private func report(_ s: ResultImport.Summary) {
            if let warning = s.searchWarning { printError("vggbatch: warning: " + warning) }
            for note in s.approximate.notes { printError("vggbatch: note: " + note) }
            if json {
                let others = s.otherModels.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
                print(JSONText.object([
                    ("event", JSONText.string("summary")), ("lines", "\(s.lines)"), ("new", "\(s.new)"), ("changed", "\(s.changed)"),
                    ("unchanged", "\(s.unchanged)"), ("failed", "\(s.failed)"), ("stale", "\(s.stale)"),
                    ("other_models", JSONText.object(others)), ("without_features", "\(s.withoutFeatures)"),
                    ("outside_roots", "\(s.outsideRoots)"), ("malformed", "\(s.malformed)"),
                    ("model", s.modelID.map { "\($0)" } ?? "null"), ("roots", JSONText.array(s.roots.map { JSONText.string(PathBytes.display($0)) })),
                    ("interrupted", "\(s.interrupted)"),
                ]))
                return
            }
            if let model = s.model, let id = s.modelID {
                print("model \(id): weights sha256 \(model.weightsSHA256.prefix(12))…, \(model.preprocessing), resize \(model.resizePolicy)")
            }
            if !s.roots.isEmpty { print("roots: " + s.roots.map(PathBytes.display).joined(separator: ", ")) }
            print("\(counted(s.lines, "line")): \(s.new) new, \(s.changed) changed, \(s.unchanged) unchanged, \(s.failed) failed (files that could not be computed)")
            if s.stale > 0 {
                print("\(counted(s.stale, "file")) differ here from their lines (size or time) or are not here: stored as the lines say; the next scan checks them again")
            }
            for (sha, count) in s.otherModels.sorted(by: { $0.key < $1.key }) {
                printError("refused \(counted(count, "line")) of another model (weights sha256 \(sha.prefix(12))…); import them with --model \(sha.prefix(12))")
            }
            if s.withoutFeatures > 0 { printError("refused \(counted(s.withoutFeatures, "line")) without features (write them with classify --features)") }
            if s.outsideRoots > 0 { printError("refused \(counted(s.outsideRoots, "line")) of files outside the roots") }
            if s.malformed > 0 {
                printError("refused \(counted(s.malformed, "line")) that are not result lines, e.g.:")
                for example in s.malformedExamples { printError("  " + example) }
            }
            if s.searchUpdated > 0 { print("search data updated for \(counted(s.searchUpdated, "image"))") }
            if let summary = s.approximate.summary { print(summary) }
            if s.interrupted { printError("vggbatch: import interrupted; what was written stays, and importing again finishes it") }
        }
    }
}
