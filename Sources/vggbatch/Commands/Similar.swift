import VGGIndexTypes
import VGGApproximate
import ArgumentParser
import Foundation
import VGGCommon
import VGGEngine
import VGGImaging
import VGGModel
import VGGPipeline
import VGGReport
import VGGSearch
import VGGQuery

extension VGGBatch {
    /// `vggbatch similar`: the indexed photos most like one or more images.
    struct Similar: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the indexed photos most similar to images (cosine of fc7, R-MAC or GeM vectors; exact, or re-ranked from an approximate index on large indexes).",
            discussion: """
                A query can be an indexed file (its stored vector is used) or any image, which is \
                then run through the index's model: the weights file it was computed with, found \
                where the index last saw it (or --weights; VGGBATCH_WEIGHTS only when it is that \
                model's file). Several queries search by their mean \
                direction. The first line on standard error says which vectors were compared. \
                --json prints {"query": [...], "feature", "model", "search" (exact or approximate, with \
                "recall_at_10"), "results": [{"path", "score", "top"}]}; \
                --paths prints one path per line (--null: NUL after each, as find -print0). \
                --feature chooses the vectors: fc7 (the default) finds "the same kind of picture"; \
                R-MAC and GeM find the same scene or object through crops, edits and \
                recompression best.
                """)

        @Argument(help: ArgumentHelp("Query images.", valueName: "image"))
        var images: [String]

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var feature: FeatureOption

        @Option(parsing: .unconditional, help: "Number of results.")
        var limit = 10

        @Option(parsing: .unconditional, help: "Only results with at least this cosine similarity (-1...1).")
        var minScore: Float = -1

        @Option(help: ArgumentHelp("Only results under this folder.", valueName: "dir"))
        var under: String?

        @Option(help: "Only results whose top-5 labels include this ImageNet label or WordNet id.")
        var label: String?

        @Flag(help: "Keep the query files themselves in the results.")
        var includeSelf = false

        @Option(parsing: .unconditional, help: "Model id to search (default: the one with the most images; see `vggbatch status`).")
        var model: Int64?

        @Option(help: ArgumentHelp("Weights to compute queries that are not indexed (must be the index's model).", valueName: "path"))
        var weights: String?

        @OptionGroup var threadOptions: ThreadOptions
        var threads: Int { threadOptions.count }

        @Flag(help: "Report on standard error how much of the index was read and how long it took.")
        var verbose = false

        @Flag(help: "Compare every stored vector even when an approximate index (`vggbatch index build`) could answer.")
        var exact = false

        @Option(help: ArgumentHelp("Also write the query and its matches as an HTML page (thumbnails from the cache; see --self-contained).", valueName: "out.html"))
        var html: String?

        @Flag(help: "With --html, copy the thumbnails into thumbs/ beside the page and link them relatively.")
        var selfContained = false

        @Flag(help: "Print one JSON object.") var json = false
        @Flag(help: "Print CSV: path, score, label.") var csv = false
        @Flag(help: "Print only the paths, one per line.") var paths = false
        @Flag(name: [.customLong("null"), .customShort("0")], help: "With --paths, end each path with a NUL byte instead of a newline (exact bytes, for xargs -0).")
        var null = false

        func validate() throws {
            if images.isEmpty { throw ValidationError("Give at least one query image.") }
            if !(1...100_000).contains(limit) { throw ValidationError("--limit must be 1...100000, got \(limit).") }
            if !(-1...1).contains(minScore) { throw ValidationError("--min-score must be between -1 and 1.") }
            if [json, csv, paths].filter({ $0 }).count > 1 { throw ValidationError("Choose one of --json, --csv and --paths.") }
            if null && !paths { throw ValidationError("--null goes with --paths.") }
        }

        func run() throws {
            let search = SimilarSearch(
                queries: images, limit: limit, minimumScore: minScore, under: under, label: label, includeSelf: includeSelf,
                weights: weights)
            let environment = ProcessInfo.processInfo.environment
            let index = try database.openReader()
            do throws(QueryError) {
                if !exact, try answerApproximately(search, index: index, environment: environment) { return }
                let context = try feature.load(index: index, modelID: model, threads: threads, default: .similar)
                let answer = try search.run(
                    context, engine: EngineOptions(threads: threads), environment: environment,
                    onWarning: { printError("vggbatch: warning: " + $0) })
                printError("compared \(context.featureName) vectors of model \(context.model.id) (\(counted(context.rows.count, "image")))")
                if verbose {
                    printError(String(
                        format: "scored %d %@ in %.1f ms (%d made from float vectors); verified in %.1f ms, reading %d full vectors in %d batches",
                        answer.statistics.rows, context.kind == .network ? "codes" : "\(context.featureName) descriptors", answer.scoringSeconds * 1000, answer.estimatesComputed, answer.verifyingSeconds * 1000,
                        answer.statistics.fetchedRows, answer.statistics.fetchCalls))
                }
                if let reason = answer.emptyReason { printError("no results: " + reason) }
                print(results: answer.results, context: context, classes: answer.topClasses)
                if let html {
                    let page = PageOptions(
                        path: html, selfContained: selfContained, threads: threads,
                        cacheDirectory: WeightsLocator.cacheDirectory(environment: environment))
                    try search.writePage(answer, context: context, page: page)
                    printError("wrote \(html)")
                }
            } catch {
                throw error.failure
            }
        }

        /// Answers through the approximate index when it applies (`ApproximateSimilar`); false
        /// when the exact search must answer.
        private func answerApproximately(_ search: SimilarSearch, index: IndexReader, environment: [String: String]) throws(QueryError) -> Bool {
            let choice = try FeatureChoice(named: feature.name, default: .similar)
            guard choice.mayUseApproximateIndex else { return false }
            let kind = choice.kind
            let outcome = try search.runApproximate(
                index: index, modelID: model, kind: kind, cacheDirectory: WeightsLocator.cacheDirectory(environment: environment),
                minimumRows: try ApproximateSimilar.minimumRows(environment: environment), threads: threads,
                engine: EngineOptions(threads: threads), environment: environment, onWarning: { printError("vggbatch: warning: " + $0) },
                alsoAsked: html == nil ? [] : ["--html"],
                recorder: {
                    guard let writer = try? database.openRecorder(), let data = writer.approximate else { return nil }
                    return (data, { writer.close() })
                })
            guard case .answered(let answer) = outcome else {
                if case .notUsed(let note?) = outcome { printError("vggbatch: note: " + note) }
                return false
            }
            for note in answer.notes { printError("vggbatch: note: " + note) }
            let name = kind.name(hasClassifier: answer.model.architecture.hasClassifier)
            let recall = answer.check.map { String(format: "recall@10 %.3f, measured on %d images", $0.recallAt10, $0.queries) }
                ?? "recall not measured yet: `vggbatch index check`"
            // Entries, not images: an index keeps the entries of removed photos until a rebuild
            // (counting the photos would cost a pass over the database).
            var line = "compared \(name) vectors of model \(answer.model.id) approximately (\(counted(min(answer.candidates, answer.entries), "candidate")) "
                + "of the approximate index's \(counted(answer.entries, "entry")), \(recall)), scores exact; --exact compares every vector"
            if answer.delta > 0 { line += "; \(counted(answer.delta, "row")) written since it was built scored in full" }
            printError(line)
            if answer.suggestsRebuild {
                printError("vggbatch: note: many rows were added since the approximate index was built; `vggbatch index build` learns its lists again")
            }
            if verbose {
                printError(String(format: "searched in %.1f ms, probing %d of %d lists", answer.seconds * 1000, answer.probes, answer.header.lists))
            }
            if answer.results.isEmpty {
                printError(String(format: "no results: no photo scores %.4f or more", minScore))
            }
            print(
                answer.results.map { (path: $0.path, imageID: $0.imageID, score: $0.score) }, featureName: name, modelID: answer.model.id,
                classes: answer.topClasses, approximate: .some(answer.check?.recallAt10))
            return true
        }

        private func print(results: [(row: Int, score: Float)], context: SearchContext, classes: [Int64: [Int]]) {
            print(
                results.map { (path: context.rows.paths[$0.row], imageID: context.rows.imageIDs[$0.row], score: $0.score) },
                featureName: context.featureName, modelID: context.model.id, classes: classes)
        }

        /// `approximate`: nil for the exact search; for the approximate one, the recall@10 last
        /// measured on its index (nil inside when not measured).
        private func print(
            _ rows: [(path: [UInt8], imageID: Int64, score: Float)], featureName: String, modelID: Int64, classes: [Int64: [Int]],
            approximate: Double?? = nil
        ) {
            if json {
                var search = [("search", JSONText.string(approximate == nil ? "exact" : "approximate"))]
                if let approximate { search.append(("recall_at_10", approximate.map { JSONText.number(Float($0)) } ?? "null")) }
                Swift.print(JSONText.object([
                    ("query", JSONText.array(images.map(JSONText.string))),
                    ("feature", JSONText.string(featureName)), ("model", "\(modelID)")] + search + [
                    ("results", JSONText.array(rows.map { row in
                        JSONText.object(path: row.path, [
                            ("score", JSONText.number(row.score)),
                            ("top", JSONText.array((classes[row.imageID] ?? []).map { index in
                                let label = ImageNetLabels.at(index)
                                return JSONText.object([("index", "\(index)"), ("wnid", JSONText.string(label?.wnid ?? "")), ("label", JSONText.string(label?.label ?? ""))])
                            })),
                        ])
                    })),
                ]))
            } else if csv {
                Swift.print("path,path_base64,score,label")
                for row in rows {
                    let label = classes[row.imageID]?.first.flatMap { ImageNetLabels.at($0)?.label } ?? ""
                    Swift.print(
                        "\(CSVText.field(PathBytes.text(row.path))),\(PathBytes.base64UnlessText(row.path)),\(JSONText.number(row.score)),\(CSVText.field(label))")
                }
            } else if paths {
                for row in rows {
                    FileHandle.standardOutput.write(null ? Data(row.path + [0]) : Data((PathBytes.display(row.path) + "\n").utf8))
                }
            } else {
                for row in rows {
                    let label = classes[row.imageID]?.first.flatMap { ImageNetLabels.at($0)?.label } ?? ""
                    Swift.print(String(format: "%.4f  ", row.score) + PathBytes.display(row.path) + (label.isEmpty ? "" : "  (\(label))"))
                }
            }
        }
    }
}
