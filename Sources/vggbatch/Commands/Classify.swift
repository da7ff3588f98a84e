import ArgumentParser
import Foundation
import VGGEngine
import VGGImaging
import VGGModel
import VGGCommon
import VGGIndexTypes
import VGGInference
import VGGQuery
import VGGPipeline
import VGGIndexing

extension VGGBatch {
    /// `vggbatch classify`: ImageNet labels (and optionally fc7 features) for images.
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the top ImageNet labels of images.",
            discussion: """
                With --json, prints one object per image per line: \
                {"path": ..., "top": [{"index", "wnid", "label", "probability"}, ...]}, plus "fc7" \
                (4096 floats, after ReLU; pool5 for a _notop model), "gem" and "rmac" (512 floats \
                each, pooled from conv5_3) with --features, or {"path": ..., "error": ...} for a \
                file that failed. Without --weights (or VGGBATCH_WEIGHTS), the weights of the \
                index's model are used when there is an index (--db, --model), so labels match \
                what `scan` stored. Exits 1 if any image failed, 2 if the weights cannot be used.

                With --files-from FILE (- for standard input) the paths are read as they arrive \
                (one per line, or NUL-separated with --null), decoded and computed as a scan does \
                (decoders beside the network, bounded memory whatever the input's length), and one \
                JSON line per path is written as soon as it is done, in completion order: path, \
                size, mtime_ns, the index's content fingerprint, upright width and height, top, \
                fc7, gem and rmac (--features; --features-encoding base64-f32 for fc7_base64, \
                gem_base64 and rmac_base64, the float32 bytes) \
                and the model (weights SHA-256, preprocessing, resize), which is what \
                `vggbatch import` needs. A file that fails is a line with "error"; the exit status \
                is 0 once all input was read, and non-zero only when the weights or the machine \
                fail (so a job scheduler does not retry a whole partition for one broken JPEG).
                """)

        @Argument(help: ArgumentHelp("Image files (JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW, recognised by content).", valueName: "image"))
        var images: [String] = []

        @Option(help: ArgumentHelp("Read the paths from this file (- for standard input) and stream JSON lines.", valueName: "file"))
        var filesFrom: String?

        @Flag(help: "With --files-from: paths are separated by NUL bytes instead of newlines.")
        var null = false

        @Option(help: ArgumentHelp("How --features are written: json (numbers) or base64-f32 (little-endian float32 bytes).", valueName: "encoding"))
        var featuresEncoding: ResultLine.FeatureEncoding?

        @Option(parsing: .unconditional, help: "With --files-from: threads that read and decode files (the engine has its own; default: one per core, up to 4).")
        var decodeThreads = ScanOptions.defaultDecodeThreads

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

        /// --features, or an encoding for them.
        private var wantsFeatures: Bool { features || featuresEncoding != nil }

        func validate() throws {
            if filesFrom != nil && !images.isEmpty { throw ValidationError("Give images or --files-from, not both.") }
            if filesFrom == nil && images.isEmpty { throw ValidationError("Give at least one image (or --files-from FILE).") }
            if filesFrom == nil && (null || featuresEncoding != nil && !json) {
                throw ValidationError(null ? "--null goes with --files-from." : "--features-encoding needs --json.")
            }
            if !(1...1000).contains(top) { throw ValidationError("--top must be 1...1000, got \(top).") }
            if features && !json && filesFrom == nil { throw ValidationError("--features needs --json.") }
            if !(1...64).contains(decodeThreads) { throw ValidationError("--decode-threads must be 1...64, got \(decodeThreads).") }
        }

        func run() throws {
            if let filesFrom { return try stream(from: filesFrom) }
            let batch = min(engine.batchSize, images.count)
            let remembered = try rememberedModel()
            let loaded = try model.load(engine: try engine.options(maxBatchSize: batch, model: model.weights == nil ? remembered : nil), remembered: remembered)
            let preparation = try imageOptions.preparation(for: loaded)
            announce(loaded, preparation, toStandardOutput: !json, decodeThreads: nil)

            let classifier = FileBatchClassifier(model: loaded, preparation: preparation, top: top)
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
                            print(JSONText.object(JSONText.path("path", ArgumentBytes.bytes(of: result.path)) + [("error", JSONText.string(error.reason))]))
                        } else {
                            printError("\(result.path): error: \(error.reason)")
                        }
                    }
                }
                start += batch
            }
            if failures > 0 { throw ExitCode.failure }
        }

        /// The weights in use (and with --verbose the kernels and threads) before any result.
        private func announce(_ loaded: LoadedModel, _ preparation: ImagePreparation, toStandardOutput: Bool, decodeThreads: Int?) {
            let header = "weights: \(loaded.identity.path) (\(loaded.identity.summary)); preprocessing: \(loaded.preset.summary); resize: \(preparation.policy.rawValue)"
            if toStandardOutput { print(header) } else { printError(header) }
            guard verbose else { return }
            let options = loaded.network.options
            let decoders = decodeThreads.map { ", \($0) decode thread(s)" } ?? ""
            printError("kernels: \(options.kernels) on \(CPU.name.isEmpty ? "this CPU" : CPU.name), precision \(options.precision.rawValue), \(options.threads) threads, batches of \(options.maxBatchSize)\(decoders)")
        }

        /// --files-from: paths streamed in, one JSON line out per path as soon as it is done.
        private func stream(from source: String) throws {
            let descriptor: Int32
            if source == "-" {
                descriptor = STDIN_FILENO
            } else {
                descriptor = open(source, O_RDONLY | O_CLOEXEC)
                if descriptor < 0 { throw CommandFailure("\(source): cannot open the list of files (\(String(cString: strerror(errno))))") }
            }
            defer { if descriptor != STDIN_FILENO { close(descriptor) } }
            let remembered = try rememberedModel()
            let loaded = try model.load(engine: try engine.options(model: model.weights == nil ? remembered : nil), remembered: remembered)
            let preparation = try imageOptions.preparation(for: loaded)
            announce(loaded, preparation, toStandardOutput: false, decodeThreads: decodeThreads)
            let classification = StreamClassification(
                model: loaded, options: ScanOptions(decodeThreads: decodeThreads, preparation: preparation), top: top,
                features: wantsFeatures ? (featuresEncoding ?? .json) : nil)
            let outcome: StreamClassification.Outcome
            do throws(IndexingError) {
                outcome = try classification.run(descriptor: descriptor, separator: null ? .nul : .newline, cancellation: CancellationFlag()) {
                    try StandardOutput.write($0)
                }
            } catch {
                throw error.failure
            }
            if let problem = outcome.inputError { throw CommandFailure(problem) }
            let summary = outcome.summary
            if verbose {
                let p = summary.progress
                printError(String(
                    format: "%d images (%d failed) in %.2f s, %.2f images/s; network %.2f s; peak RSS %d MB",
                    p.done, p.failed, p.seconds, p.imagesPerSecond, summary.inferenceSeconds, ProcessMemory.peakResidentBytes() / (1 << 20)))
            }
        }

        /// The index's model whose weights to use when none are named, if there is an index.
        private func rememberedModel() throws -> StoredModel? {
            try database.rememberedModel(id: indexModel, weightsNamed: model.weights != nil)
        }

        private func topClasses(_ output: ImageResult) -> [(ImageNetClass, Float)] {
            output.top.compactMap { entry in ImageNetLabels.at(entry.index).map { ($0, entry.probability) } }
        }

        private func jsonLine(_ path: String, _ output: ImageResult) -> String {
            let topItems = topClasses(output).map { item, probability in
                JSONText.object([
                    ("index", "\(item.index)"), ("wnid", JSONText.string(item.wnid)),
                    ("label", JSONText.string(item.label)), ("probability", JSONText.number(probability)),
                ])
            }
            // The path as given, with its exact bytes beside it when they are not UTF-8.
            var fields = JSONText.path("path", ArgumentBytes.bytes(of: path)) + [("top", JSONText.array(topItems))]
            if wantsFeatures {
                fields += ResultLine.vectorFields(output, encoding: featuresEncoding ?? .json)
            }
            return JSONText.object(fields)
        }

        private func textBlock(_ path: String, _ output: ImageResult) -> String {
            var lines = [path]
            if output.top.isEmpty {
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

