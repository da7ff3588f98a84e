import ArgumentParser
import Foundation
import VGGCommon
import VGGPipeline
import VGGReport
import VGGSearch
import VGGModel
import VGGQuery

extension VGGBatch {
    /// `vggbatch duplicates`: exact copies and near-duplicates in the index.
    struct Duplicates: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List groups of exact duplicates (same content) and near-duplicates (cosine ≥ threshold).",
            discussion: """
                Exact duplicates share a content fingerprint. Near-duplicates are grouped \
                transitively from every pair at or above --threshold (exact: no pair is missed), \
                listed with their pair scores; groups that are only exact copies are not repeated. \
                Without --threshold each kind of vector (--feature) has its own calibrated \
                threshold, and the output says which was used and where it comes from.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Cosine similarity from which two photos count as near-duplicates (default: the feature's calibrated one).")
        var threshold: Float?

        @OptionGroup var feature: FeatureOption

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
            if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1.") }
            if json && csv { throw ValidationError("Choose --json or --csv.") }
        }

        func run() throws {
            let index = try database.openReader()
            do throws(QueryError) {
                let context = try feature.load(index: index, modelID: model, threads: threads)
                let chosen = threshold.map { SearchDefaults.Threshold(value: $0, source: "--threshold") }
                    ?? SearchDefaults.threshold(model: context.model, kind: context.kind)
                let search = DuplicateSearch(threshold: chosen.value, exactOnly: exactOnly)
                if !exactOnly && !json && !csv {
                    printError(String(format: "near-duplicate threshold: %@ cosine ≥ %.3f (%@)", context.featureName, chosen.value, chosen.source))
                }
                let answer = try search.run(context)
                output(exact: answer.exact, near: answer.near, context: context, threshold: chosen)
                if let html {
                    try search.writePage(
                        answer, context: context, to: html, selfContained: selfContained, threads: threads,
                        cacheDirectory: WeightsLocator.cacheDirectory(environment: ProcessInfo.processInfo.environment))
                    printError("wrote \(html)")
                }
            } catch {
                throw error.failure
            }
        }

        private func output(exact: [[Int]], near: [DuplicateSearch.NearGroup], context: SearchContext, threshold: SearchDefaults.Threshold) {
            let name = context.display
            let exactName = { (row: Int) in PathBytes.text(context.rows.paths[row]) }
            if json {
                print(JSONText.object([
                    ("feature", JSONText.string(context.featureName)),
                    ("threshold", JSONText.number(threshold.value)),
                    ("threshold_source", JSONText.string(threshold.source)),
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
                        let best = group.bestScore(of: row)
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
                print(String(format: "near duplicates (%@ cosine ≥ %.3f): %@", context.featureName, threshold.value, counted(near.count, "group")))
                for (index, group) in near.enumerated() {
                    print("  group \(index + 1) (\(counted(group.rows.count, "file")))")
                    for pair in group.pairs { print(String(format: "    %.4f  ", pair.score) + name(pair.a) + "  ~  " + name(pair.b)) }
                }
            }
        }
    }
}
