import VGGIndexTypes
import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGReport
import VGGQuery

extension VGGBatch {
    /// `vggbatch report`: a static HTML page of the library grouped by label.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an HTML page of the index: photos grouped by top label, with their labels, and the failed files.",
            discussion: """
                Writes DIR/index.html. Thumbnails (256-pixel upright JPEGs, cached by content \
                fingerprint, so a second report is fast) live in $XDG_CACHE_HOME/vggbatch/thumbs \
                and the page links to them there; with --self-contained they are copied to \
                DIR/thumbs/ so the folder can be moved or shared. Folders of thumbnails carry a \
                marker that `vggbatch scan` skips. The page opens from file:// with no server and \
                no network; each thumbnail links to its original.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("Folder to write the report in.", valueName: "dir"))
        var output = "vggbatch-report"

        @Option(help: "Only photos whose top label matches (an ImageNet label or WordNet id).")
        var label: String?

        @Option(parsing: .unconditional, help: "Photos shown per label (the rest are counted).")
        var perLabel = 24

        @Option(parsing: .unconditional, help: "Model id (default: the one with the most images; see `vggbatch status`).")
        var model: Int64?

        @OptionGroup var threadOptions: ThreadOptions
        var threads: Int { threadOptions.count }

        @Flag(help: "Copy the thumbnails into DIR/thumbs/ and link them relatively, so the report can be moved or shared.")
        var selfContained = false

        @Flag(help: "Open the page in the desktop's browser (xdg-open).")
        var open = false

        func validate() throws {
            if !(1...10_000).contains(perLabel) { throw ValidationError("--per-label must be 1...10000, got \(perLabel).") }
        }

        func run() throws {
            let started = Date()
            let report = LibraryReport(directory: output, label: label, perLabel: perLabel, selfContained: selfContained)
            let outcome: LibraryReport.Outcome
            let index = try database.openReader()
            do throws(QueryError) {
                let context = try SearchContext.load(index: index, modelID: model, threads: threads)
                outcome = try report.write(
                    context, threads: threads, cacheDirectory: WeightsLocator.cacheDirectory(environment: ProcessInfo.processInfo.environment))
            } catch {
                throw error.failure
            }
            guard let page = outcome.page else {
                // Asked for a page and none came: a job that expected one must notice.
                printError(outcome.emptyReason ?? "no page written")
                throw ExitCode.failure
            }
            print(String(
                format: "wrote %@: %@ in %@ (%d thumbnails made, %d reused) in %.1f s",
                page, counted(outcome.photos, "photo"), counted(outcome.groups, "group"), outcome.thumbnailsMade, outcome.thumbnailsReused,
                Date().timeIntervalSince(started)))
            if open { Self.openInBrowser(page) }
        }

        /// Hands a page to the desktop (xdg-open), or says where it is.
        static func openInBrowser(_ path: String) {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["xdg-open", absolute.absoluteString]
            do {
                try process.run()
            } catch {
                printError("vggbatch: cannot start a browser (\(error.localizedDescription)); open \(absolute.absoluteString)")
            }
        }
    }
}
