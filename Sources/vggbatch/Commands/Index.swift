import ArgumentParser
import Foundation
import VGGApproximate
import VGGCommon
import VGGIndexTypes
import VGGModel
import VGGQuery

extension VGGBatch {
    /// `vggbatch index`: the approximate index that answers `similar` past a few ten thousand photos.
    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build, check and show the approximate index that speeds up `similar` on large indexes.",
            discussion: """
                An approximate index (FAISS inverted lists with 4-bit codes; fc7 through a PCA \
                to 256 dimensions first) holds one model's fc7, R-MAC or GeM vectors; `index \
                build` makes fc7's and R-MAC's, what `similar` and `duplicates` compare by \
                default. `similar` uses the one of the vectors it compares when it has at least \
                \(ApproximateSimilar.defaultMinimumRows) entries: it proposes candidates, which \
                are scored exactly with the stored vectors, so every reported score is exact and \
                only the recall is approximate (`index check` measures it); `duplicates` compares \
                pairs exactly within its nearest cells. Rows written after the build are scored \
                in full until `scan` or `import` merges them. The files live beside an SQLite \
                index (INDEX.approximate/); each machine that reads a PostgreSQL index keeps its \
                own copies in its cache folder (see `vggbatch index status`). --exact on \
                `similar` and `duplicates` compares everything.
                """,
            subcommands: [Build.self, Status.self, Check.self],
            defaultSubcommand: Status.self)
    }
}

/// `--feature` of the approximate index commands: fc7, GeM or R-MAC; without it, the kinds
/// `similar` and `duplicates` compare by default (fc7 and R-MAC).
struct ApproximateFeatureOption: ParsableArguments {
    @Option(
        name: .customLong("feature"),
        help: ArgumentHelp(
            "Which vectors' approximate index: fc7, rmac or gem, repeated for several (default: fc7 and rmac, what similar and duplicates compare).",
            valueName: "kind"))
    var names: [String] = []

    /// Whether kinds were named.
    var named: Bool { !names.isEmpty }

    func validate() throws {
        do throws(QueryError) {
            for name in names { _ = try FeatureChoice.approximateKind(named: name) }
        } catch {
            throw ValidationError(error.reason)
        }
    }

    /// The kinds asked for, for `model` (`FeatureChoice.approximateKinds`).
    func kinds(model: StoredModel) throws -> [FeatureKind] {
        do throws(QueryError) {
            return try FeatureChoice.approximateKinds(named: names, model: model)
        } catch {
            throw CommandFailure(error.reason)
        }
    }
}

extension ApproximateTarget {
    /// `ApproximateTarget.all`, its refusals one line and exit 2.
    static func all(
        data: (any ApproximateData)?, models: any ModelCatalog, modelID: Int64?, feature: ApproximateFeatureOption?, location: String
    ) throws -> [ApproximateTarget] {
        do throws(QueryError) {
            return try all(
                data: data, models: models, modelID: modelID, named: feature?.names, location: location,
                environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// `read`, its refusal one line and exit 2.
    func readFile(recheck: Bool = false) throws -> ApproximateIndex? {
        do throws(QueryError) {
            return try read(recheck: recheck)
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// `unusable`, its refusal one line and exit 2.
    func whyUnusable(_ file: ApproximateIndex) throws -> String? {
        do throws(QueryError) {
            return try unusable(file)
        } catch {
            throw CommandFailure(error.reason)
        }
    }
}

/// One recall figure for a person.
func describe(_ figure: RecallCheck.Figure, images: String = "sampled image") -> String {
    String(
        format: "%@: recall@1 %.3f, recall@10 %.3f on %@, %.1f ms per query", counted(figure.probes, "probe"), figure.recallAt1,
        figure.recallAt10, counted(figure.queries, images), figure.secondsPerQuery * 1000)
}

extension VGGBatch.Index {
    /// `vggbatch index build`
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build (or rebuild) the approximate indexes of a model's fc7 and R-MAC vectors (or --feature one), and measure their recall.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var feature: ApproximateFeatureOption

        @Option(parsing: .unconditional, help: "Model id (default: the one with the most images; see `vggbatch status`).")
        var model: Int64?

        @OptionGroup var threadOptions: ThreadOptions

        func run() throws {
            // Opened to write: the files built are recorded in the index (an SQLite index's
            // scan lock is held meanwhile, so a scan cannot write beside the build).
            let index = try database.openRecorder()
            defer { index.close() }
            let targets = try ApproximateTarget.all(
                data: index.approximate, models: index.models, modelID: model, feature: feature, location: index.location)
            ApproximateIndex.setThreads(threadOptions.count)
            for target in targets { try build(target) }
        }

        private func build(_ target: ApproximateTarget) throws {
            let built: ApproximateTarget.Built
            do throws(QueryError) {
                built = try target.build { printError("index build (\(target.name)): " + $0) }
            } catch {
                throw CommandFailure(error.reason)
            }
            let report = built.report
            for figure in report.recall where figure.queries > 0 { printError("index build (\(target.name)): " + describe(figure)) }
            let header = report.index.header
            let pca = header.reduced.map { "through a PCA to \($0) dimensions, " } ?? ""
            print(
                "built the approximate index of \(target.name) vectors of model \(target.model.id): "
                    + "\(counted(report.index.count, "vector")) in \(counted(header.lists, "list")), \(pca)"
                    + String(format: "trained in %.1f s, filled in %.1f s, %.1f s in all", header.trainSeconds, header.addSeconds, built.seconds))
            if let size = built.bytes {
                print(String(
                    format: "%@ (%.1f MB, %.1f %% of the float vectors)", target.path, Double(size) / 1e6, 100 * Double(size) / max(built.floatBytes, 1)))
            }
            if let minimum = try? ApproximateSimilar.minimumRows(environment: ProcessInfo.processInfo.environment), report.index.count < minimum {
                print("similar and duplicates use it from \(minimum) images; below that they compare every vector, about as fast there")
            }
            guard let chosen = report.recall.last, chosen.queries > 0 else {
                print("recall not measured: no sampled image has another image to find")
                return
            }
            print(describe(chosen))
            if let warning = built.recallWarning { printError("vggbatch: warning: " + warning) }
        }
    }

    /// `vggbatch index status`
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the approximate indexes: kind, size, rows covered and added since, last measured recall.")

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Model id (default: the one with the most images).")
        var model: Int64?

        @Flag(help: "Print one JSON object per approximate index, one per line.")
        var json = false

        func run() throws {
            let index = try database.openReader()
            defer { index.close() }
            var shown = 0
            for target in try ApproximateTarget.all(
                data: index.approximate, models: index.models, modelID: model, feature: nil, location: index.location)
            {
                let kind = target.kind
                let read: ApproximateIndex?
                do {
                    read = try target.readFile()
                } catch let failure as CommandFailure {
                    // One damaged file: said, and the others still listed.
                    shown += 1
                    print(json
                        ? JSONText.object([("path", JSONText.string(target.path)), ("kind", JSONText.string(target.name)),
                                           ("usable", "false"), ("reason", JSONText.string(failure.message))])
                        : "\(target.name), model \(target.model.id): NOT USED: \(failure.message)")
                    continue
                }
                guard let file = read else { continue }
                shown += 1
                let waiting: Int
                let check: ApproximateCheck?
                do throws(StoreError) {
                    waiting = try target.data.vectorCount(modelID: target.model.id, kind: kind, after: file.header.revision)
                    check = try target.data.lastCheck(modelID: target.model.id, kind: kind).flatMap { $0.build == file.header.build ? $0 : nil }
                } catch {
                    throw error.failure
                }
                let stale = try target.whyUnusable(file)
                let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int64) ?? 0
                let header = file.header
                if json {
                    var fields: [(String, String)] = [
                        ("path", JSONText.string(target.path)), ("model", "\(target.model.id)"), ("kind", JSONText.string(target.name)),
                        ("entries", "\(file.count)"), ("built_rows", "\(header.builtRows)"), ("merged_rows", "\(header.mergedRows)"),
                        ("waiting_rows", "\(waiting)"), ("lists", "\(header.lists)"), ("probes", "\(header.probes)"), ("bytes", "\(size)"),
                        ("built_at", JSONText.string(header.builtAt)), ("usable", "\(stale == nil)"),
                        ("reason", stale.map(JSONText.string) ?? "null"),
                        ("rebuild_suggested", "\(file.suggestsRebuild(waiting: waiting))"),
                    ]
                    if let check {
                        fields += [
                            ("recall_at_1", JSONText.number(Float(check.recallAt1))), ("recall_at_10", JSONText.number(Float(check.recallAt10))),
                            ("checked_queries", "\(check.queries)"), ("checked_at", JSONText.string(check.checkedAt)),
                        ]
                    }
                    print(JSONText.object(fields))
                    continue
                }
                print("\(target.name), model \(target.model.id): \(target.path)")
                print("  \(counted(file.count, "entry")) in \(counted(header.lists, "list")), \(header.probes) probed per query, "
                    + String(format: "%.1f MB", Double(size) / 1e6))
                print("  built \(header.builtAt) with \(counted(header.builtRows, "row")); \(counted(header.mergedRows, "row")) merged since, "
                    + "\(waiting) waiting (scored in full)")
                if let check {
                    print(String(format: "  recall@1 %.3f, recall@10 %.3f on %d sampled images (checked %@)", check.recallAt1, check.recallAt10, check.queries, check.checkedAt))
                } else if stale != nil {
                    print("  recall not measured on this build")
                } else if file.count + waiting < 2 {
                    print("  recall not measured: an index of one photo has no neighbour to find")
                } else {
                    print("  recall not measured on this build: `vggbatch index check`")
                }
                if let stale { print("  NOT USED: \(stale); `vggbatch index build` makes a new one") }
                if file.suggestsRebuild(waiting: waiting) {
                    print("  many rows were added since it was built; `vggbatch index build` learns its lists again")
                }
            }
            if shown == 0 && !json {
                printError("no approximate index yet; `vggbatch index build` makes one (it pays from about \(ApproximateSimilar.defaultMinimumRows) images)")
            }
        }
    }

    /// `vggbatch index check`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the approximate index's recall: approximate against exact answers for sampled images.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var feature: ApproximateFeatureOption

        @Option(parsing: .unconditional, help: "Model id (default: the one with the most images).")
        var model: Int64?

        @Option(parsing: .unconditional, help: "Sampled images to query with (default: 200).")
        var queries: Int?

        @Option(parsing: .unconditional, help: "Lists probed per query (default: the index's own choice).")
        var probes: Int?

        @Option(help: ArgumentHelp("Query with these indexed photos instead of sampled ones (one path per line).", valueName: "file"))
        var pathsFrom: String?

        @OptionGroup var threadOptions: ThreadOptions

        func validate() throws {
            if let queries, !(1...100_000).contains(queries) { throw ValidationError("--queries must be 1...100000, got \(queries).") }
            if queries != nil && pathsFrom != nil { throw ValidationError("Give --queries or --paths-from, not both.") }
            if let probes, probes < 1 { throw ValidationError("--probes must be at least 1, got \(probes).") }
        }

        func run() throws {
            let index = try database.openReader()
            defer { index.close() }
            var chosen: [Int64]?
            if let pathsFrom {
                do throws(QueryError) {
                    chosen = try PathList.imageIDs(listedIn: pathsFrom, index: index)
                } catch {
                    throw CommandFailure(error.reason)
                }
            }
            ApproximateIndex.setThreads(threadOptions.count)
            var checked = 0
            for target in try ApproximateTarget.all(
                data: index.approximate, models: index.models, modelID: model, feature: feature.named ? feature : nil,
                location: index.location)
            {
                guard let file = try target.readFile(recheck: true) else {
                    if feature.named {
                        throw CommandFailure(
                            "no approximate index of \(target.name) for model \(target.model.id); `vggbatch index build --feature \(target.name)` makes one")
                    }
                    continue
                }
                if let stale = try target.whyUnusable(file) {
                    throw CommandFailure("the approximate index \(target.path) is not used: \(stale); `vggbatch index build` makes a new one")
                }
                let figure: RecallCheck.Figure
                do throws(ApproximateError) {
                    figure = try ApproximateIndexCheck(queries: queries ?? 200, probes: probes, chosen: chosen).run(index: file, data: target.data)
                } catch {
                    throw CommandFailure(error.reason)
                }
                checked += 1
                guard figure.queries > 0 else {
                    print("\(target.name): recall not measured: no queried image has another image to find")
                    continue
                }
                print("\(target.name): " + describe(figure, images: chosen == nil ? "sampled image" : "given image"))
                // The recall `similar` quotes is the one measured on sampled photos at the index's own probes.
                if chosen == nil && (probes == nil || probes == file.header.probes) {
                    record(figure, build: file.header.build, target: target, database: database)
                }
            }
            if checked == 0 { throw CommandFailure("no approximate index yet; `vggbatch index build` makes one") }
        }
    }
}

/// Records a measured recall for `index status` and `similar` (a scan holding an SQLite index
/// only means it is not recorded this time).
private func record(_ figure: RecallCheck.Figure, build: String, target: ApproximateTarget, database: DatabaseOptions) {
    do {
        let writer = try database.openRecorder()
        defer { writer.close() }
        try writer.approximate?.recordCheck(ApproximateCheck(figure, build: build), modelID: target.model.id, kind: target.kind)
    } catch {
        let reason = (error as? CommandFailure)?.message ?? "\(error)"
        printError("vggbatch: note: the recall was not recorded (\(reason)); it is shown above only")
    }
}
