import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGPipeline
import VGGIndexTypes
import VGGQuery

extension VGGBatch {
    /// `vggbatch status`: what the index holds.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the index: roots, counts by status, models, size, the most common labels.",
            discussion: "Works while a scan is running. With --failed, lists the files that could not be indexed and why.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "List failed files with their reasons.")
        var failed = false

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let index = try database.openReader()
            do throws(StoreError) {
                if failed { return try printFailures(index) }
                let roots = try index.roots.statuses()
                let formats = try index.roots.formats()
                let models = try index.models.all()
                let chosen = try index.models.defaultModel()
                var labels = [(index: Int, count: Int)]()
                if let chosen { labels = try index.results.topClasses(modelID: chosen.id, limit: 10) }
                let run = try index.runs.last()
                let queue = try index.queueStatus()
                let totals = roots.reduce((0, 0, 0)) { ($0.0 + $1.ok, $0.1 + $1.failed, $0.2 + $1.missing) }
                // Images indexed before the pooled descriptors existed, per model: the next scan fills them.
                var lacking = [Int64: Int]()
                for model in models { lacking[model.id] = try index.search.imagesWithoutDescriptor(modelID: model.id, kind: .rmac) }
                if json {
                    print(JSONText.object([
                        ("database", JSONText.string(index.location)), ("bytes", "\((index.storedBytes ?? 0))"),
                        ("ok", "\(totals.0)"), ("failed", "\(totals.1)"), ("missing", "\(totals.2)"),
                        ("formats", JSONText.object(formats.map { ($0.format, "\($0.images)") })),
                        ("roots", JSONText.array(roots.map {
                            JSONText.object(path: $0.path, [("ok", "\($0.ok)"), ("failed", "\($0.failed)"), ("missing", "\($0.missing)")])
                        })),
                        ("models", JSONText.array(models.map { Self.modelJSON($0, withoutDescriptors: lacking[$0.id] ?? 0) })),
                        ("top_labels", JSONText.array(labels.map { entry in
                            JSONText.object([("index", "\(entry.index)"), ("wnid", JSONText.string(ImageNetLabels.at(entry.index)?.wnid ?? "")),
                                             ("label", JSONText.string(ImageNetLabels.at(entry.index)?.label ?? "")), ("images", "\(entry.count)")])
                        })),
                        ("queue", queue.map(Self.queueJSON) ?? "null"),
                        ("last_scan", run.map { JSONText.object([("started", JSONText.string($0.started)), ("finished", $0.finished.map(JSONText.string) ?? "null"), ("status", JSONText.string($0.status.rawValue)), ("queue_only", "\($0.queueOnly)"), ("held_back", "\($0.heldBack)")]) } ?? "null"),
                    ]))
                    return
                }
                print("index: \(index.location) (\(String(format: "%.1f", Double((index.storedBytes ?? 0)) / 1e6)) MB)")
                print("images: \(totals.0) ok, \(totals.1) failed, \(totals.2) missing")
                if !formats.isEmpty { print("  by format: " + formats.map { "\($0.images) \($0.format)" }.joined(separator: ", ")) }
                for root in roots {
                    print("  \(PathBytes.display(root.path)): \(root.ok) ok, \(root.failed) failed, \(root.missing) missing")
                }
                for model in models {
                    print("model \(model.id): \(model.name ?? "sha256 \(model.weightsSHA256.prefix(12))…"), \(model.preprocessing), \(model.resizePolicy), \(model.precision), colour profiles \(model.color), \(counted(model.imageCount, "image")) with features\(model.id == chosen?.id && models.count > 1 ? " (the default)" : "")")
                    if let missing = lacking[model.id], missing > 0 {
                        print("  \(counted(missing, "image")) without GeM/R-MAC descriptors yet (indexed before them); the next scan computes them")
                    }
                    if let path = model.weightsPath {
                        print("  weights: \(PathBytes.display(path))\(PathBytes.kind(path) == .file ? "" : " (not there now)")")
                    }
                }
                if let run { print(Self.describe(run)) }
                if let queue {
                    print(
                        "queue: \(queue.pending) pending, \(queue.claimed) claimed\(queue.expired > 0 ? " (+\(queue.expired) with expired leases)" : ""), "
                            + "\(queue.done) done, \(queue.failed) failed; \(counted(queue.activeWorkers, "worker")) seen in the last minute, "
                            + String(format: "%.2f files/s", queue.filesPerSecond))
                    for worker in queue.stalledWorkers { print("  stalled: " + Self.describe(worker)) }
                }
                if !labels.isEmpty {
                    print("most common labels:")
                    for entry in labels {
                        print(String(format: "  %6d  %@", entry.count, ImageNetLabels.at(entry.index)?.label ?? "class \(entry.index)"))
                    }
                }
            } catch {
                throw CommandFailure(error.reason)
            }
        }

        /// `--failed`: every file that could not be indexed and why.
        private func printFailures(_ index: IndexReader) throws(StoreError) {
            let failures = try index.roots.failures()
            if json {
                print(JSONText.array(failures.map {
                    JSONText.object(path: $0.path, [("reason", JSONText.string($0.reason))])
                }))
            } else {
                for failure in failures { print("\(PathBytes.display(failure.path)): \(failure.reason)") }
                if failures.isEmpty { printError("no failed files") }
            }
        }

        /// "last scan: <started> (finished)"; a queue-only scan computed nothing itself (the
        /// queue line says what the workers did since).
        static func describe(_ run: RunRecord) -> String {
            let queued = run.queueOnly ? "; it only queued its files, for `vggbatch work` to compute" : ""
            let heldBack = run.heldBack == 0 ? "" : "; \(counted(run.heldBack, "vanished file")) not marked missing, as a folder could not be walked or most of it vanished at once (an unmounted drive?): scan again once it is back; if they really are gone, scan with --accept-missing, or `vggbatch roots remove` a folder that is gone"
            return "last scan: \(run.started) (\(run.status)\(queued)\(heldBack))"
        }

        /// "host-b pid 4242, silent for 600 s, holding 8 expired claims; 24 claims taken over by others".
        static func describe(_ worker: QueueStatus.StalledWorker) -> String {
            var parts = [String]()
            if worker.claims > 0 { parts.append("holding \(counted(worker.claims, "expired claim"))") }
            if worker.takenOver > 0 { parts.append("\(counted(worker.takenOver, "claim")) taken over by others") }
            return "\(worker.host) pid \(worker.pid), silent for \(worker.silentSeconds) s, " + parts.joined(separator: "; ")
        }

        static func queueJSON(_ queue: QueueStatus) -> String {
            JSONText.object([
                ("pending", "\(queue.pending)"), ("claimed", "\(queue.claimed)"), ("expired", "\(queue.expired)"),
                ("done", "\(queue.done)"), ("failed", "\(queue.failed)"), ("workers_last_minute", "\(queue.activeWorkers)"),
                ("files_per_second", String(format: "%.3f", queue.filesPerSecond)),
                ("stalled_workers", "[" + queue.stalledWorkers.map { worker in
                    JSONText.object([
                        ("host", JSONText.string(worker.host)), ("pid", "\(worker.pid)"), ("silent_seconds", "\(worker.silentSeconds)"),
                        ("claims", "\(worker.claims)"), ("taken_over", "\(worker.takenOver)"),
                    ])
                }.joined(separator: ",") + "]"),
            ])
        }

        static func modelJSON(_ model: StoredModel, withoutDescriptors: Int) -> String {
            JSONText.object([
                ("id", "\(model.id)"), ("weights_sha256", JSONText.string(model.weightsSHA256)), ("name", model.name.map(JSONText.string) ?? "null"),
                ("preprocessing", JSONText.string(model.preprocessing.rawValue)), ("resize", JSONText.string(model.resizePolicy.rawValue)),
                ("feature_dim", "\(model.featureDimension)"), ("images", "\(model.imageCount)"),
                ("images_without_descriptors", "\(withoutDescriptors)"),
                ("weights_path", model.weightsPath.map { JSONText.string(PathBytes.text($0)) } ?? "null"),
                ("weights_path_base64", model.weightsPath.map { JSONText.string(PathBytes.base64($0)) } ?? "null"),
                ("convolution_base", model.convolutionBase.map(JSONText.string) ?? "null"),
                ("precision", JSONText.string(model.precision.rawValue)), ("color", JSONText.string(model.color.rawValue)),
            ])
        }
    }
}
