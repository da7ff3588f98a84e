import ArgumentParser
import Foundation
import VGGModel
import VGGReport
import VGGStore

extension VGGBatch {
    /// `vggbatch report`: a static HTML page of the library grouped by label.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an HTML page of the index: photos grouped by top label, with their labels, and the failed files.",
            discussion: """
                Writes DIR/index.html and DIR/thumbs/ (256-pixel upright JPEG thumbnails, cached \
                by content fingerprint, so a second report is fast). The page opens from file:// \
                with no server and no network; each thumbnail links to its original.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("Folder to write the report in.", valueName: "dir"))
        var output = "vggbatch-report"

        @Option(help: "Only photos whose top label matches (an ImageNet label or WordNet id).")
        var label: String?

        @Option(help: "Photos shown per label (the rest are counted).")
        var perLabel = 24

        @Option(help: "Model id (default: the last scan's model).")
        var model: Int64?

        @Option(help: "Threads for thumbnails.")
        var threads = ProcessInfo.processInfo.activeProcessorCount

        @Flag(help: "Open the page in the desktop's browser (xdg-open).")
        var open = false

        func validate() throws {
            if !(1...10_000).contains(perLabel) { throw ValidationError("--per-label must be 1...10000, got \(perLabel).") }
            if !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256.") }
        }

        func run() throws {
            let started = Date()
            let wanted = try label.map(ImageNetLabels.classes(named:))
            let context = try SearchContext.load(database: database, modelID: model, threads: threads)
            var builder = try ReportBuilder(index: context.index, model: context.model, directory: output, threads: threads)

            // Group every indexed photo by its top-1 class, largest groups first.
            var members = [Int: [Int]]()
            for row in 0..<context.rows.count {
                let top = builder.predictions[context.rows.imageIDs[row]]?.first?.index ?? -1
                if let wanted, !wanted.contains(top) { continue }
                members[top, default: []].append(row)
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
            let page = ReportPage.library(summary: try builder.summary(), groups: groups, failures: failures, footer: ReportBuilder.footer)
            let path = (output as NSString).appendingPathComponent("index.html")
            try ReportBuilder.write(page, to: path)
            let shown = groups.reduce(0) { $0 + $1.photos.count }
            print(String(
                format: "wrote %@: %d photos in %d groups (%d thumbnails made, %d reused) in %.1f s",
                path, shown, groups.count, builder.thumbnailsMade, builder.thumbnailsReused, Date().timeIntervalSince(started)))
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
