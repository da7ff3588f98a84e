import ArgumentParser
import Foundation
import VGGCommon
import VGGEngine
import VGGInference
import VGGModel

extension VGGBatch {
    /// `vggbatch explain`: VGG16 layer by layer, with the numbers computed from its shape.
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the network layer by layer: shapes, weights, parameters, multiply-adds, receptive fields, memory.",
            discussion: """
                Without --weights, the architecture alone, with torchvision's tensor names (or \
                --layout's). With --weights, the file's own names, shapes and preprocessing. \
                --config shows the paper's other configurations (A = VGG11 ... E = VGG19); the \
                engine computes D, VGG16, only.
                """)

        @Option(help: "The paper's configuration: A, B, C, D (VGG16, the default) or E.")
        var config = VGGConfiguration.d.rawValue

        @Option(help: ArgumentHelp("A weights file: its layout's names and shapes, its preprocessing.", valueName: "file"))
        var weights: String?

        @Option(help: "Tensor names without --weights: torchvision, timm or keras.")
        var layout = WeightLayout.torchvision.rawValue

        @Option(help: "The engine's arithmetic to show: auto (what this CPU runs), f32 or bf16.")
        var precision = "auto"

        @Flag(help: "Print everything as one JSON object.")
        var json = false

        func validate() throws {
            if VGGConfiguration(rawValue: config.uppercased()) == nil { throw ValidationError("--config \(config): expected A, B, C, D or E.") }
            if WeightLayout(rawValue: layout) == nil { throw ValidationError("--layout \(layout): expected torchvision, timm or keras.") }
            if precision != "auto" && EngineOptions.Precision(rawValue: precision) == nil {
                throw ValidationError("--precision \(precision): expected auto, f32 or bf16.")
            }
        }

        func run() throws {
            let configuration = VGGConfiguration(rawValue: config.uppercased()) ?? .d
            var source = ExplainedSource(layout: WeightLayout(rawValue: layout) ?? .torchvision)
            if let weights {
                if configuration != .d { throw CommandFailure("--weights holds VGG16 (configuration D); leave out --config \(config)") }
                source = try ExplainedSource(weights: weights)
            }
            let chosen = EngineOptions.Precision(rawValue: precision) ?? EngineOptions.fastestPrecision(for: .default)
            let arithmetic = configuration.isComputed ? Self.arithmetic(chosen) : [:]
            var table = LayerTable(configuration: configuration, layout: source.layout, arithmetic: arithmetic)
            if !source.hasClassifier { table.rows.removeAll { $0.kind == .fullyConnected } }
            let report = ExplainReport(table: table, source: source, precision: configuration.isComputed ? chosen.rawValue : nil)
            print(json ? try report.json() : report.text())
        }

        /// How the engine multiplies in each layer at `precision` (its default choices).
        static func arithmetic(_ precision: EngineOptions.Precision) -> [String: String] {
            var names = [String: String]()
            let convolutions = LayerTable().rows.filter { $0.kind == .convolution }.map(\.name)
            for (index, name) in convolutions.enumerated() {
                names[name] = precision == .bf16 && EngineOptions.defaultBFloat16Convolutions.contains(index) ? "bfloat16" : "float32"
            }
            for name in ["fc6", "fc7", "fc8"] { names[name] = "float16 weights" }
            return names
        }
    }
}

/// Where the names and preprocessing come from: a weights file, or a layout alone.
struct ExplainedSource {
    var layout: WeightLayout
    var file: String?
    var knownAs: String?
    var preprocessing: Preprocessing
    var hasClassifier = true

    init(layout: WeightLayout) {
        self.layout = layout
        preprocessing = layout.preprocessing
    }

    init(weights path: String) throws {
        let opened: OpenedWeights
        do throws(ModelError) {
            opened = try OpenedWeights.open(path)
        } catch {
            throw CommandFailure(error.reason)
        }
        if opened.architecture.convolutions.map(\.outputChannels) != VGGArchitecture.vgg16.convolutions.map(\.outputChannels) {
            throw CommandFailure("\(path): not VGG16's widths (\(opened.architecture.metadataValue)); explain shows VGG16")
        }
        layout = opened.layout
        file = path
        preprocessing = opened.layout.preprocessing
        hasClassifier = opened.architecture.hasClassifier
        knownAs = KnownWeights.all.first { $0.fileName == (path as NSString).lastPathComponent }?.name
    }
}
