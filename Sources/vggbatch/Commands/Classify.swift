import ArgumentParser
import Foundation
import VGGEngine
import VGGImaging
import VGGModel
import VGGCommon
import VGGIndexTypes
import VGGInference
import VGGQuery

extension VGGBatch {
    /// `vggbatch classify`: ImageNet labels (and optionally fc7 features) for images.
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the top ImageNet labels of images.",
            discussion: """
                With --json, prints one object per image per line: \
                {"path": ..., "top": [{"index", "wnid", "label", "probability"}, ...]}, plus "fc7" \
                (4096 floats, after ReLU) with --features, or {"path": ..., "error": ...} for a \
                file that failed. Without --weights (or VGGBATCH_WEIGHTS), the weights of the \
                index's model are used when there is an index (--db, --model), so labels match \
                what `scan` stored. Exits 1 if any image failed, 2 if the weights cannot be used.
                """)

        @Argument(help: ArgumentHelp("Image files (JPEG or PNG, recognised by content).", valueName: "image"))
        var images: [String]

        @OptionGroup var model: ModelOptions
        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("model"), help: "Use the weights of this model of the index (default: the one with the most images).")
        var indexModel: Int64?
        @OptionGroup var engine: EngineArguments
        @OptionGroup var imageOptions: ImageOptions

        @Option(parsing: .unconditional, help: "Number of labels per image.")
        var top = 5

        @Flag(help: "Print one JSON object per image per line.")
        var json = false

        @Flag(help: "Include the fc7 feature vector (4096 floats) in --json output.")
        var features = false

        @Flag(help: "Say on standard error which kernels (instruction set) and how many threads run the network.")
        var verbose = false

        func validate() throws {
            if images.isEmpty { throw ValidationError("Give at least one image.") }
            if !(1...1000).contains(top) { throw ValidationError("--top must be 1...1000, got \(top).") }
            if features && !json { throw ValidationError("--features needs --json.") }
        }

        func run() throws {
            let batch = min(engine.batchSize, images.count)
            let loaded = try model.load(engine: try engine.options(maxBatchSize: batch), remembered: try rememberedModel())
            let preparation = try imageOptions.preparation(for: loaded)
            let header = "weights: \(loaded.identity.path) (\(loaded.identity.summary)); preprocessing: \(loaded.preset.summary); resize: \(preparation.policy.rawValue)"
            if json { printError(header) } else { print(header) }
            if verbose {
                let options = loaded.network.options
                printError("kernels: \(options.kernels) on \(KernelSet.cpuName.isEmpty ? "this CPU" : KernelSet.cpuName), \(options.threads) threads, batches of \(options.maxBatchSize)")
            }

            let classifier = FileBatchClassifier(model: loaded, preparation: preparation)
            var failures = 0
            var start = 0
            while start < images.count {
                let paths = Array(images[start..<min(start + batch, images.count)])
                for result in classifier.classify(paths) {
                    switch result.outcome {
                    case .success(let (output, _)):
                        print(json ? jsonLine(result.path, output) : textBlock(result.path, output))
                    case .failure(let error):
                        failures += 1
                        if json {
                            print(JSONText.object([("path", JSONText.string(result.path)), ("error", JSONText.string(error.reason))]))
                        } else {
                            printError("\(result.path): error: \(error.reason)")
                        }
                    }
                }
                start += batch
            }
            if failures > 0 { throw ExitCode.failure }
        }

        /// The index's model whose weights to use when none are named, if there is an index.
        private func rememberedModel() throws -> StoredModel? {
            let environment = ProcessInfo.processInfo.environment
            if model.weights != nil || !(environment["VGGBATCH_WEIGHTS"] ?? "").isEmpty {
                if indexModel != nil { throw ValidationError("--model chooses the index's weights; leave out --weights or VGGBATCH_WEIGHTS.") }
                return nil
            }
            guard database.exists else {
                if indexModel != nil { throw CommandFailure("--model: there is no index at \(database.path(environment: environment))") }
                return nil
            }
            let index = try database.openReader()
            let chosen: StoredModel?
            do throws(StoreError) {
                chosen = try index.model(id: indexModel)
            } catch {
                throw CommandFailure(error.reason)
            }
            if chosen == nil, let indexModel { throw CommandFailure("no model \(indexModel) in the index (see `vggbatch status`)") }
            return chosen
        }

        private func topClasses(_ output: ImageOutput) -> [(ImageNetClass, Float)] {
            topIndices(output.probabilities, count: top).compactMap { index in ImageNetLabels.at(index).map { ($0, output.probabilities[index]) } }
        }

        private func jsonLine(_ path: String, _ output: ImageOutput) -> String {
            let topItems = topClasses(output).map { item, probability in
                JSONText.object([
                    ("index", "\(item.index)"), ("wnid", JSONText.string(item.wnid)),
                    ("label", JSONText.string(item.label)), ("probability", JSONText.number(probability)),
                ])
            }
            var fields = [("path", JSONText.string(path)), ("top", JSONText.array(topItems))]
            if features { fields.append(("fc7", JSONText.array(output.features.map(JSONText.number)))) }
            return JSONText.object(fields)
        }

        private func textBlock(_ path: String, _ output: ImageOutput) -> String {
            var lines = [path]
            if output.probabilities.isEmpty {
                lines.append("  (no labels: these weights end at pool5; --json --features prints the \(output.features.count) features)")
            }
            for (item, probability) in topClasses(output) {
                let index = String(item.index)
                lines.append("  " + String(format: "%.4f", probability) + "  "
                    + String(repeating: " ", count: max(0, 3 - index.count)) + index + "  " + item.wnid + "  " + item.label)
            }
            return lines.joined(separator: "\n")
        }
    }
}
