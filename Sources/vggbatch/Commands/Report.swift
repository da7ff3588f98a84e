import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGReport
import VGGStore

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
            let wanted = try label.map(ImageNetLabels.classes(named:))
            let context = try SearchContext.load(database: database, modelID: model, threads: threads)
            if wanted != nil && !context.hasLabels {
                throw ValidationError("--label: model \(context.model.id) has no labels (its weights end at pool5).")
            }
            var builder = try ReportBuilder(index: context.index, model: context.model, directory: output, selfContained: selfContained, threads: threads)

            // Group every indexed photo by its top-1 class, largest groups first.
            var members = [Int: [Int]]()
            for row in 0..<context.rows.count {
                let top = builder.predictions[context.rows.imageIDs[row]]?.first?.index ?? -1
                if let wanted, !wanted.contains(top) { continue }
                members[top, default: []].append(row)
            }
            if let label, members.isEmpty {
                printError("no photo of model \(context.model.id) has \"\(label)\" as its top label; no page written")
                return
            }
            let order = members.keys.sorted { (members[$0]?.count ?? 0, $1) > (members[$1]?.count ?? 0, $0) }
            var groups = [ReportGroup]()
            for classIndex in order {
                let rows = members[classIndex] ?? []
                let shown = Array(rows.prefix(perLabel))
                let photos = try builder.photos(shown.map { (context.rows.paths[$0], context.rows.fingerprints[$0], context.rows.imageIDs[$0]) })
                let title = classIndex < 0 ? "No labels (weights without a classifier)" : (ImageNetLabels.at(classIndex)?.label ?? "class \(classIndex)")
                groups.append(ReportGroup(title: title, photos: photos, more: rows.count - shown.count))
            }
            let failures: [(path: [UInt8], reason: String)]
            do throws(StoreError) {
                failures = try context.index.failures()
            } catch {
                throw CommandFailure(error.reason)
            }
            let page = ReportPage.library(summary: try builder.summary(), groups: groups, failures: failures, footer: builder.footer)
            let path = (output as NSString).appendingPathComponent("index.html")
            try ReportBuilder.write(page, to: path)
            let shown = groups.reduce(0) { $0 + $1.photos.count }
            print(String(
                format: "wrote %@: %@ in %@ (%d thumbnails made, %d reused) in %.1f s",
                path, counted(shown, "photo"), counted(groups.count, "group"), builder.thumbnailsMade, builder.thumbnailsReused, Date().timeIntervalSince(started)))
            if open { Self.openInBrowser(path) }
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
