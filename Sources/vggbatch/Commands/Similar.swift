import ArgumentParser
import Foundation
import VGGCommon
import VGGEngine
import VGGImaging
import VGGModel
import VGGPipeline
import VGGReport
import VGGSearch
import VGGStore

extension VGGBatch {
    /// `vggbatch similar`: the indexed photos most like one or more images.
    struct Similar: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the indexed photos most similar to images (fc7 cosine, exact).",
            discussion: """
                A query can be an indexed file (its stored vector is used) or any image, which is \
                then run through the index's model: the weights file it was computed with, found \
                where the index last saw it (or --weights). Several queries search by their mean \
                direction. --json prints {"query": [...], "results": [{"path", "score", "top"}]}; \
                --paths prints one path per line (--null: NUL after each, as find -print0).
                """)

        @Argument(help: ArgumentHelp("Query images.", valueName: "image"))
        var images: [String]

        @OptionGroup var database: DatabaseOptions

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
            var underFolder: [UInt8]?
            if let under {
                guard PathBytes.kind(under) == .directory else { throw ValidationError("--under \(under): no such folder.") }
                underFolder = PathBytes.absolute(under)
            }
            let allowedClasses = try label.map(ImageNetLabels.classes(named:))
            let context = try SearchContext.load(database: database, modelID: model, threads: threads)
            if allowedClasses != nil && !context.hasLabels {
                throw ValidationError("--label: model \(context.model.id) has no labels (its weights end at pool5).")
            }
            let (query, selfRows) = try queryVector(context)

            var allowed = [Bool](repeating: true, count: context.rows.count)
            if !includeSelf { for row in selfRows { allowed[row] = false } }
            if let underFolder {
                for row in allowed.indices where !PathBytes.isWithin(context.rows.paths[row], folder: underFolder) { allowed[row] = false }
            }
            var topClasses = [Int64: [Int]]()
            if let allowedClasses {
                do throws(StoreError) {
                    topClasses = try context.index.topFiveClasses(modelID: context.model.id)
                } catch {
                    throw CommandFailure(error.reason)
                }
                for row in allowed.indices where allowed[row] {
                    allowed[row] = !(topClasses[context.rows.imageIDs[row]] ?? []).allSatisfy { !allowedClasses.contains($0) }
                }
            }
            let loading = Date()
            let estimates = try context.estimates(for: query)
            let searchIndex = SimilarityIndex(
                query: query, estimates: estimates.estimates, errors: estimates.errors, fullVectors: { try context.fullVectors($0) })
            let started = Date()
            let (results, statistics) = try searchIndex.nearestWithStatistics(
                k: limit, minimumScore: minScore, allowed: { allowed[$0] })
            let searchSeconds = Date().timeIntervalSince(started)
            if allowedClasses == nil {
                do throws(StoreError) {
                    topClasses = try context.index.topFiveClasses(modelID: context.model.id, imageIDs: results.map { context.rows.imageIDs[$0.row] })
                } catch {
                    throw CommandFailure(error.reason)
                }
            }
            if verbose {
                printError(String(
                    format: "scored %d codes in %.1f ms (%d made from float vectors); verified in %.1f ms, reading %d full vectors in %d batches",
                    statistics.rows, started.timeIntervalSince(loading) * 1000, estimates.computed, searchSeconds * 1000,
                    statistics.fetchedRows, statistics.fetchCalls))
            }
            if results.isEmpty { printError("no results: \(emptyReason(allowed: allowed))") }
            try print(results: results, context: context, classes: topClasses)
            if let html { try writePage(html, results: results, selfRows: selfRows, context: context) }
        }

        /// Why a valid search found nothing, in a few words.
        private func emptyReason(allowed: [Bool]) -> String {
            guard !allowed.contains(true) else { return String(format: "no photo scores %.4f or more", minScore) }
            var filters = [String]()
            if let under { filters.append("under \(under)") }
            if let label { filters.append("with \"\(label)\" among its top 5 labels") }
            return filters.isEmpty ? "nothing is indexed but the queries" : "nothing is indexed " + filters.joined(separator: " and ")
        }

        /// The query and its matches as a page, in the report's look.
        private func writePage(_ path: String, results: [(row: Int, score: Float)], selfRows: [Int], context: SearchContext) throws {
            let directory = (path as NSString).deletingLastPathComponent
            var builder = try ReportBuilder(index: context.index, model: context.model, directory: directory.isEmpty ? "." : directory, selfContained: selfContained, threads: threads)
            let rows = context.rows
            var queryRows = [(path: [UInt8], fingerprint: [UInt8]?, imageID: Int64?)]()
            for image in images {
                let absolute = PathBytes.absolute(image)
                if let row = selfRows.first(where: { rows.paths[$0] == absolute }) {
                    queryRows.append((rows.paths[row], rows.fingerprints[row], rows.imageIDs[row]))
                } else {
                    queryRows.append((absolute, nil, nil))
                }
            }
            let query = try builder.photos(queryRows)
            let matches = try builder.photos(
                results.map { (rows.paths[$0.row], rows.fingerprints[$0.row], rows.imageIDs[$0.row]) }, scores: results.map { Double($0.score) })
            var summary = try builder.summary().filter { ["Model", "Preprocessing"].contains($0.0) }
            summary.insert(("Searched", "\(rows.count) images, \(results.count) shown (limit \(limit), minimum score \(minScore))"), at: 0)
            try ReportBuilder.write(ReportPage.similar(query: query, results: matches, summary: summary, footer: builder.footer), to: path)
            printError("wrote \(path)")
        }

        /// The unit query direction and the index rows of queries that are indexed files.
        private func queryVector(_ context: SearchContext) throws -> ([Float], [Int]) {
            var sum = [Float](repeating: 0, count: context.model.featureDimension)
            var selfRows = [Int]()
            let rowOf = context.rows.rowOf
            var computed = [String]()
            for image in images {
                let path = PathBytes.absolute(image)
                var vector: [Float]?
                do {
                    if let id = try context.index.imageID(absolutePath: path), let row = rowOf[id] {
                        vector = try context.fullVectors([row]).first
                        selfRows.append(row)
                    }
                } catch let error as StoreError {
                    throw CommandFailure(error.reason)
                }
                if vector == nil {
                    // Not indexed: it must be there to be computed, which is checked before
                    // any weights are touched.
                    switch PathBytes.kind(image) {
                    case .file: computed.append(image)
                    case .missing: throw ValidationError("\(image): no such file (and not in the index).")
                    case .directory, .other: throw ValidationError("\(image): not an image file.")
                    }
                }
                if var unit = vector, FeatureBasis.normalise(&unit) { for i in sum.indices { sum[i] += unit[i] } }
            }
            if !computed.isEmpty {
                for vector in try computeFeatures(computed, context: context) {
                    var unit = vector
                    if FeatureBasis.normalise(&unit) { for i in sum.indices { sum[i] += unit[i] } }
                }
            }
            guard FeatureBasis.normalise(&sum) else { throw CommandFailure("the query images have all-zero features; nothing is similar to them") }
            return (sum, selfRows)
        }

        /// fc7 of images not in the index, with the index's own model and preprocessing.
        private func computeFeatures(_ paths: [String], context: SearchContext) throws -> [[Float]] {
            let loaded = try LoadedModel.load(
                weights: weights, preprocess: PreprocessPreset(rawValue: context.model.preprocessing),
                engine: EngineOptions(threads: threads, maxBatchSize: min(8, paths.count)), remembered: context.model)
            guard loaded.identity.sha256 == context.model.weightsSHA256 else {
                throw CommandFailure(
                    "\(paths[0]) is not indexed, and the weights found (\(loaded.identity.path)) are not the index's model "
                        + "(sha256 \(context.model.weightsSHA256.prefix(12))…); pass --weights with that file")
            }
            let preparation = ImagePreparation(
                policy: ResizePolicy(rawValue: context.model.resizePolicy) ?? .squash, size: loaded.network.architecture.inputHeight)
            let classifier = FileBatchClassifier(model: loaded, preparation: preparation)
            var features = [[Float]]()
            for result in classifier.classify(paths) {
                switch result.outcome {
                case .success(let output): features.append(output.fc7)
                case .failure(let error): throw CommandFailure("query \(result.path): \(error.reason)")
                }
            }
            return features
        }

        private func print(results: [(row: Int, score: Float)], context: SearchContext, classes: [Int64: [Int]]) throws {
            let rows = results.map { result in
                (path: PathBytes.text(context.rows.paths[result.row]), score: result.score, top: classes[context.rows.imageIDs[result.row]] ?? [])
            }
            if json {
                Swift.print(JSONText.object([
                    ("query", JSONText.array(images.map(JSONText.string))),
                    ("results", JSONText.array(rows.map { row in
                        JSONText.object([
                            ("path", JSONText.string(row.path)), ("score", JSONText.number(row.score)),
                            ("top", JSONText.array(row.top.map { index in
                                let label = ImageNetLabels.at(index)
                                return JSONText.object([("index", "\(index)"), ("wnid", JSONText.string(label?.wnid ?? "")), ("label", JSONText.string(label?.label ?? ""))])
                            })),
                        ])
                    })),
                ]))
            } else if csv {
                Swift.print("path,score,label")
                for row in rows {
                    let label = row.top.first.flatMap { ImageNetLabels.at($0)?.label } ?? ""
                    Swift.print("\(CSVText.field(row.path)),\(JSONText.number(row.score)),\(CSVText.field(label))")
                }
            } else if paths {
                for result in results {
                    let bytes = context.rows.paths[result.row]
                    FileHandle.standardOutput.write(null ? Data(bytes + [0]) : Data((PathBytes.display(bytes) + "\n").utf8))
                }
            } else {
                for result in results {
                    let row = (path: context.display(result.row), score: result.score, top: classes[context.rows.imageIDs[result.row]] ?? [])
                    let label = row.top.first.flatMap { ImageNetLabels.at($0)?.label } ?? ""
                    Swift.print(String(format: "%.4f  ", row.score) + row.path + (label.isEmpty ? "" : "  (\(label))"))
                }
            }
        }
    }
}
