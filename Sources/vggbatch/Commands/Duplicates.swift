import ArgumentParser
import Foundation
import VGGCommon
import VGGPipeline
import VGGReport
import VGGSearch
import VGGStore

extension VGGBatch {
    /// `vggbatch duplicates`: exact copies and near-duplicates in the index.
    struct Duplicates: ParsableCommand {
        /// fc7 cosine above which two photos are called near-duplicates by default; see the README.
        static let defaultThreshold: Float = 0.92

        static let configuration = CommandConfiguration(
            abstract: "List groups of exact duplicates (same content) and near-duplicates (fc7 cosine ≥ threshold).",
            discussion: """
                Exact duplicates share a content fingerprint. Near-duplicates are grouped \
                transitively from every pair at or above --threshold (exact: no pair is missed), \
                listed with their pair scores; groups that are only exact copies are not repeated.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Cosine similarity from which two photos count as near-duplicates.")
        var threshold: Float = Duplicates.defaultThreshold

        @Flag(help: "Only exact duplicates (same content).")
        var exactOnly = false

        @Option(parsing: .unconditional, help: "Model id (default: the one with the most images; see `vggbatch status`).")
        var model: Int64?

        @OptionGroup var threadOptions: ThreadOptions
        var threads: Int { threadOptions.count }

        @Option(help: ArgumentHelp("Also write the groups as an HTML page, side by side (thumbnails from the cache; see --self-contained).", valueName: "out.html"))
        var html: String?

        @Flag(help: "With --html, copy the thumbnails into thumbs/ beside the page and link them relatively.")
        var selfContained = false

        @Flag(help: "Print one JSON object.") var json = false
        @Flag(help: "Print CSV: kind, group, path, score.") var csv = false

        func validate() throws {
            if !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1.") }
            if json && csv { throw ValidationError("Choose --json or --csv.") }
        }

        func run() throws {
            let context = try SearchContext.load(database: database, modelID: model, threads: threads)
            let rows = context.rows
            // Exact tier: same fingerprint.
            // One row per file is the index's rule; rows with the same path (an index written
            // before it, not yet rescanned) still count as one file, never as two copies.
            var byFingerprint = [[UInt8]: [Int]]()
            var seenPaths = Set<[UInt8]>()
            for (row, fingerprint) in rows.fingerprints.enumerated() where seenPaths.insert(rows.paths[row]).inserted {
                if let fingerprint { byFingerprint[fingerprint, default: []].append(row) }
            }
            let exact = byFingerprint.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }

            var near: [(rows: [Int], pairs: [(a: Int, b: Int, score: Float)])] = []
            if !exactOnly {
                let projections = try context.projections()
                let pairs = try DuplicateFinder.pairs(
                    coordinates: projections.coordinates, residuals: projections.residuals, rank: projections.rank,
                    threshold: threshold, fullVectors: { try context.fullVectors($0) }, pool: context.pool
                ).filter { rows.paths[$0.a] != rows.paths[$0.b] }
                let sameContent = { (a: Int, b: Int) in rows.fingerprints[a] != nil && rows.fingerprints[a] == rows.fingerprints[b] }
                let groups = DuplicateFinder.groups(pairs: pairs, count: rows.count)
                for group in groups {
                    let members = Set(group)
                    let groupPairs = pairs.filter { members.contains($0.a) }
                    // A group made only of byte-identical copies is already in the exact list.
                    if groupPairs.allSatisfy({ sameContent($0.a, $0.b) }) { continue }
                    near.append((group, groupPairs.sorted { ($0.a, $0.b) < ($1.a, $1.b) }))
                }
            }
            output(exact: exact, near: near, context: context)
            if let html { try writePage(html, exact: exact, near: near, context: context) }
        }

        /// The groups as a page, in the report's look.
        private func writePage(
            _ path: String, exact: [[Int]], near: [(rows: [Int], pairs: [(a: Int, b: Int, score: Float)])], context: SearchContext
        ) throws {
            let directory = (path as NSString).deletingLastPathComponent
            var builder = try ReportBuilder(index: context.index, model: context.model, directory: directory.isEmpty ? "." : directory, selfContained: selfContained, threads: threads)
            let rows = context.rows
            func photos(_ members: [Int], scores: [Double?]? = nil) throws -> [ReportPhoto] {
                try builder.photos(members.map { (rows.paths[$0], rows.fingerprints[$0], rows.imageIDs[$0]) }, scores: scores)
            }
            var exactGroups = [ReportGroup]()
            for (index, group) in exact.enumerated() {
                exactGroups.append(ReportGroup(title: "Group \(index + 1): \(group.count) identical files", photos: try photos(group)))
            }
            var nearGroups = [ReportGroup]()
            for (index, group) in near.enumerated() {
                // Each member's best score within its group.
                let best = group.rows.map { row in
                    Double(group.pairs.filter { $0.a == row || $0.b == row }.map(\.score).max() ?? 0)
                }
                let notes = group.pairs.map { String(format: "%.4f  ", $0.score) + context.display($0.a) + "  ~  " + context.display($0.b) }
                nearGroups.append(ReportGroup(title: "Group \(index + 1): \(group.rows.count) photos", photos: try photos(group.rows, scores: best), notes: notes))
            }
            var summary = try builder.summary().filter { ["Images indexed", "Model", "Preprocessing"].contains($0.0) }
            summary.append(("Near-duplicate threshold", exactOnly ? "not searched (--exact-only)" : String(format: "fc7 cosine ≥ %.3f", threshold)))
            try ReportBuilder.write(
                ReportPage.duplicates(exact: exactGroups, near: nearGroups, summary: summary, footer: builder.footer), to: path)
            printError("wrote \(path)")
        }

        private func output(exact: [[Int]], near: [(rows: [Int], pairs: [(a: Int, b: Int, score: Float)])], context: SearchContext) {
            let name = context.display
            let exactName = { (row: Int) in PathBytes.text(context.rows.paths[row]) }
            if json {
                print(JSONText.object([
                    ("threshold", JSONText.number(threshold)),
                    ("exact", JSONText.array(exact.map { group in
                        JSONText.object([("files", JSONText.array(group.map { JSONText.string(exactName($0)) }))])
                    })),
                    ("near", JSONText.array(near.map { group in
                        JSONText.object([
                            ("files", JSONText.array(group.rows.map { JSONText.string(exactName($0)) })),
                            ("pairs", JSONText.array(group.pairs.map { pair in
                                JSONText.object([("a", JSONText.string(exactName(pair.a))), ("b", JSONText.string(exactName(pair.b))), ("score", JSONText.number(pair.score))])
                            })),
                        ])
                    })),
                ]))
            } else if csv {
                print("kind,group,path,score")
                for (index, group) in exact.enumerated() {
                    for row in group { print("exact,\(index + 1),\(CSVText.field(exactName(row))),\(JSONText.number(1))") }
                }
                for (index, group) in near.enumerated() {
                    for row in group.rows {
                        let best = group.pairs.filter { $0.a == row || $0.b == row }.map(\.score).max() ?? 0
                        print("near,\(index + 1),\(CSVText.field(exactName(row))),\(JSONText.number(best))")
                    }
                }
            } else {
                print("exact duplicates (same content): \(counted(exact.count, "group"))")
                for (index, group) in exact.enumerated() {
                    print("  group \(index + 1) (\(counted(group.count, "file")))")
                    for row in group { print("    \(name(row))") }
                }
                if exactOnly { return }
                print(String(format: "near duplicates (%@ cosine ≥ %.3f): %@", context.featureLayer, threshold, counted(near.count, "group")))
                for (index, group) in near.enumerated() {
                    print("  group \(index + 1) (\(counted(group.rows.count, "file")))")
                    for pair in group.pairs { print(String(format: "    %.4f  ", pair.score) + name(pair.a) + "  ~  " + name(pair.b)) }
                }
            }
        }
    }
}
