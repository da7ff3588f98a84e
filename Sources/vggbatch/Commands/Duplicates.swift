import VGGIndexTypes
import ArgumentParser
import VGGApproximate
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
                Exact duplicates share a content fingerprint. Near-duplicates come in groups: the \
                photo with the most near copies first, then each photo whose cosine to it reaches \
                --threshold, with that score. Groups never chain (two photos are never grouped only \
                because each looks like a third); --pairs lists every pair found (exact: no pair is \
                missed). Groups that are only exact copies are not repeated. \
                Without --threshold each kind of vector (--feature) has its own default: R-MAC, GeM \
                and pool5 calibrated on the trained VGG16 convolutions (other weights are told that \
                it was not calibrated for them), fc7 a documented value not yet calibrated; the \
                output says which was used and where it comes from.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Cosine similarity from which two photos count as near-duplicates (default: the feature's own; the output says where it comes from).")
        var threshold: Float?

        @OptionGroup var feature: FeatureOption

        @Flag(help: "Only exact duplicates (same content).")
        var exactOnly = false

        @Flag(help: "Compare every pair even when an approximate index (`vggbatch index build`) could narrow the search.")
        var exact = false

        @Flag(help: "Also list every pair at or above the threshold, most similar first (groups show each photo's score to its group's first photo only).")
        var pairs = false

        @Option(parsing: .unconditional, help: "Model id (default: the one with the most images; see `vggbatch status`).")
        var model: Int64?

        @OptionGroup var threadOptions: ThreadOptions
        var threads: Int { threadOptions.count }

        @Option(help: ArgumentHelp("Also write the groups as an HTML page, side by side (thumbnails from the cache; see --self-contained).", valueName: "out.html"))
        var html: String?

        @Flag(help: "With --html, copy the thumbnails into thumbs/ beside the page and link them relatively.")
        var selfContained = false

        @Flag(help: "Print one JSON object.") var json = false
        @Flag(help: "Print CSV: kind (exact, near, or pair with --pairs), group, path, path_base64, score.") var csv = false

        func validate() throws {
            if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1.") }
            if json && csv { throw ValidationError("Choose --json or --csv.") }
        }

        func run() throws {
            let index = try database.openReader()
            do throws(QueryError) {
                let context = try feature.load(index: index, modelID: model, threads: threads, default: .duplicates)
                let chosen = threshold.map { SearchDefaults.Threshold(value: $0, source: "--threshold") }
                    ?? SearchDefaults.threshold(model: context.model, kind: context.kind)
                var search = DuplicateSearch(threshold: chosen.value, exactOnly: exactOnly)
                if !exactOnly && !json && !csv {
                    printError("near-duplicate threshold: \(context.featureName) cosine ≥ \(decimals(chosen.value)) (\(chosen.source))")
                }
                if !exactOnly && !exact {
                    let environment = ProcessInfo.processInfo.environment
                    let found = try ApproximateLookup.find(
                        index: index, model: context.model, kind: context.kind,
                        cacheDirectory: WeightsLocator.cacheDirectory(environment: environment),
                        minimumRows: try ApproximateSimilar.minimumRows(environment: environment))
                    switch found {
                    case .usable(let file, _, _):
                        ApproximateIndex.setThreads(threads)
                        search.approximate = ApproximatePairs(index: file)
                    case .none(let note?): printError("vggbatch: note: " + note)
                    case .none(nil): break
                    }
                }
                let answer = try search.run(context)
                if let cells = answer.cells {
                    let every = context.rows.count <= 2000
                    let sampled = every ? "of every photo" : "of 2,000 sampled photos"
                    let pairsText = "\(grouped(cells.sampledPairs)) near \(cells.sampledPairs == 1 ? "pair" : "pairs") \(sampled)"
                    let measured: String
                    if cells.sampledPairs == 0 {
                        measured = " (no near pair \(sampled) to measure how many are needed)"
                    } else if cells.sampledMinimum < cells.visits {
                        // Too few pairs sampled to vouch for the rest: one cell more than they needed.
                        measured = String(
                            format: "; %d already %@ together %.1f %% of the %@, one more is a margin (fewer than %d sampled pairs cannot vouch for 99 %% of the others)",
                            cells.sampledMinimum, cells.sampledMinimum == 1 ? "brings" : "bring", 100 * cells.sampledRecall, pairsText,
                            ApproximatePairs.vouchingPairs)
                    } else {
                        measured = String(
                            format: "; they bring together %.1f %% of the %@%@", 100 * cells.sampledRecall, pairsText,
                            every ? "" : " (an estimate for the others)")
                    }
                    printError(
                        "approximate: pairs compared exactly within each photo's \(cells.visits) nearest of the approximate index's "
                            + "\(cells.lists) cells\(measured); --exact compares every pair")
                }
                output(answer, context: context, threshold: chosen)
                if let html {
                    let page = PageOptions(
                        path: html, selfContained: selfContained, threads: threads,
                        cacheDirectory: WeightsLocator.cacheDirectory(environment: ProcessInfo.processInfo.environment))
                    try search.writePage(answer, context: context, page: page)
                    printError("wrote \(html)")
                }
            } catch {
                throw error.failure
            }
        }

        private func output(_ answer: DuplicateSearch.Answer, context: SearchContext, threshold: SearchDefaults.Threshold) {
            let name = context.display
            let paths = context.rows.paths
            let pairLines = { (pair: (a: Int, b: Int, score: Float)) in String(format: "%.4f  ", pair.score) + name(pair.a) + "  ~  " + name(pair.b) }
            if json {
                var fields = [
                    ("feature", JSONText.string(context.featureName)),
                    ("threshold", JSONText.number(threshold.value)),
                    ("threshold_source", JSONText.string(threshold.source)),
                    // Through the approximate index's cells (pairs outside them can be missed), or every pair.
                    ("search", JSONText.string(answer.cells == nil ? "exact" : "approximate")),
                    ("exact", JSONText.array(answer.exact.map { group in
                        JSONText.object([("files", JSONText.array(group.map { JSONText.object(path: paths[$0], []) }))])
                    })),
                    ("near", JSONText.array(answer.near.map { group in
                        JSONText.object([
                            ("representative", JSONText.object(path: paths[group.representative], [])),
                            ("members", JSONText.array(group.members.map { JSONText.object(path: paths[$0.row], [("score", JSONText.number($0.score))]) })),
                        ])
                    })),
                ]
                if let cells = answer.cells {
                    fields.append(("cells", JSONText.object([
                        ("visited", "\(cells.visits)"), ("of", "\(cells.lists)"), ("sampled_near_pairs", "\(cells.sampledPairs)"),
                        ("sampled_share_found", JSONText.number(Float(cells.sampledRecall))), ("sampled_minimum_visits", "\(cells.sampledMinimum)"),
                    ])))
                }
                if pairs {
                    fields.append(("pairs", JSONText.array(answer.pairs.map { pair in
                        JSONText.object(JSONText.path("a", paths[pair.a]) + JSONText.path("b", paths[pair.b]) + [("score", JSONText.number(pair.score))])
                    })))
                }
                print(JSONText.object(fields))
            } else if csv {
                print("kind,group,path,path_base64,score")
                let cells = { (row: Int) in CSVText.field(PathBytes.text(paths[row])) + "," + PathBytes.base64UnlessText(paths[row]) }
                for (index, group) in answer.exact.enumerated() {
                    for row in group { print("exact,\(index + 1),\(cells(row)),\(JSONText.number(1))") }
                }
                for (index, group) in answer.near.enumerated() {
                    print("near,\(index + 1),\(cells(group.representative)),\(JSONText.number(1))")
                    for member in group.members { print("near,\(index + 1),\(cells(member.row)),\(JSONText.number(member.score))") }
                }
                // --pairs: each pair as two rows of kind "pair" numbered as one, with its score.
                if pairs {
                    for (index, pair) in answer.pairs.enumerated() {
                        for row in [pair.a, pair.b] { print("pair,\(index + 1),\(cells(row)),\(JSONText.number(pair.score))") }
                    }
                }
            } else {
                print("exact duplicates (same content): \(counted(answer.exact.count, "group"))")
                for (index, group) in answer.exact.enumerated() {
                    print("  group \(index + 1) (\(counted(group.count, "file")))")
                    for row in group { print("    \(name(row))") }
                }
                if exactOnly { return }
                print("near duplicates (\(context.featureName) cosine ≥ \(decimals(threshold.value)) to the group's first photo): \(counted(answer.near.count, "group"))")
                for (index, group) in answer.near.enumerated() {
                    print("  group \(index + 1) (\(counted(group.rows.count, "file")))")
                    print("            " + name(group.representative))
                    for member in group.members { print(String(format: "    %.4f  ", member.score) + name(member.row)) }
                }
                if pairs {
                    print("pairs (\(context.featureName) cosine ≥ \(decimals(threshold.value))): \(answer.pairs.count)")
                    for pair in answer.pairs { print("  " + pairLines(pair)) }
                }
            }
        }
    }
}
