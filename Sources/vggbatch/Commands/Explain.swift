import ArgumentParser
import Foundation
import VGGCommon
import VGGEngine
import VGGInference
import VGGImaging
import VGGModel
import VGGReport

extension VGGBatch {
    /// `vggbatch explain`: VGG16 layer by layer, with the numbers computed from its shape.
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the network layer by layer, or what it makes of one photo.",
            discussion: """
                Without a photo: every layer's shapes, weights, parameters, multiply-adds, \
                receptive field and memory, computed from the architecture (torchvision's names, \
                or --layout's, or --weights' own). --config shows the paper's other \
                configurations (A = VGG11 ... E = VGG19); the engine computes D, VGG16, only.
                With a photo: one forward pass that keeps every layer's output (this command \
                only), then each layer's activity, the top classes and Grad-CAM for the top one; \
                --html DIR draws it all (feature maps, the first layer's filters, a receptive \
                field, the heat map) into a page.
                """)

        @Argument(help: ArgumentHelp("A photo to explain (any format vggbatch reads).", valueName: "photo"))
        var photo: String?

        @Option(help: "The paper's configuration: A, B, C, D (VGG16, the default) or E.")
        var config = VGGConfiguration.d.rawValue

        @Option(help: "Tensor names without --weights: torchvision, timm or keras.")
        var layout = WeightLayout.torchvision.rawValue

        @Option(help: ArgumentHelp("With a photo: write the page and its pictures into this folder.", valueName: "dir"))
        var html: String?

        @Option(help: ArgumentHelp("With a photo: write this layer's strongest feature maps as a PNG (conv3_2, pool4...).", valueName: "name"))
        var layer: String?

        @Option(help: "With a photo: feature maps drawn per layer.")
        var channels = 16

        @Flag(help: "Draw feature maps in grey rather than on a colour scale.")
        var grey = false

        @Flag(help: "Print everything as one JSON object (the table; not with a photo).")
        var json = false

        @Option(help: ArgumentHelp("A photo's unit whose receptive field is drawn (layer:row,column; default conv5_3's centre).", valueName: "unit"))
        var unit: String?

        @OptionGroup var model: ModelOptions
        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("model"), help: "Use this model of the index (default: the one with the most images) when there is an index.")
        var indexModel: Int64?
        @OptionGroup var engine: EngineArguments
        @OptionGroup var imageOptions: ImageOptions

        func validate() throws {
            if VGGConfiguration(rawValue: config.uppercased()) == nil { throw ValidationError("--config \(config): expected A, B, C, D or E.") }
            if WeightLayout(rawValue: layout) == nil { throw ValidationError("--layout \(layout): expected torchvision, timm or keras.") }
            if photo != nil && (json || config.uppercased() != "D") { throw ValidationError("a photo goes with VGG16 (D) and no --json.") }
            if photo == nil && (html != nil || layer != nil) { throw ValidationError("--html and --layer need a photo.") }
            if !(1...512).contains(channels) { throw ValidationError("--channels must be 1...512, got \(channels).") }
            if let unit, Self.parseUnit(unit) == nil {
                throw ValidationError("--unit \(unit): expected a convolution or pool and a unit in its map, like conv5_3:7,7.")
            }
            if let layer, Self.vgg16.row(named: layer).map({ $0.kind == .fullyConnected }) ?? true {
                throw ValidationError("--layer \(layer): expected a convolution or pool, conv1_1 ... pool5.")
            }
        }

        func run() throws {
            let configuration = VGGConfiguration(rawValue: config.uppercased()) ?? .d
            if let photo { return try explain(photo) }
            var source = ExplainedSource(layout: WeightLayout(rawValue: layout) ?? .torchvision)
            let remembered = configuration == .d ? try database.rememberedModel(id: indexModel, weightsNamed: model.weights != nil) : nil
            // The index's model's file when it is still there (its names and layout); else
            // only what the index recorded (preprocessing, precision).
            let rememberedFile = remembered?.weightsPath.flatMap { PathBytes.kind($0) == .file ? String(decoding: $0, as: UTF8.self) : nil }
            if let weights = model.weights ?? rememberedFile {
                if configuration != .d { throw CommandFailure("--weights holds VGG16 (configuration D); leave out --config \(config)") }
                source = try ExplainedSource(weights: weights)
            }
            if let remembered {
                source.preprocessing = model.preprocess ?? remembered.preprocessing
                source.indexModel = remembered.id
            }
            let chosen = EngineOptions.precision(requested: try engine.requestedPrecision(), model: remembered?.precision, kernels: .default)
            var table = LayerTable(configuration: configuration, layout: source.layout, arithmetic: configuration.isComputed ? Self.arithmetic(chosen) : [:])
            if !source.hasClassifier { table.rows.removeAll { $0.kind == .fullyConnected } }
            let report = ExplainReport(table: table, source: source, precision: configuration.isComputed ? chosen.rawValue : nil)
            print(json ? try report.json() : report.text())
        }

        /// VGG16's table, for names and shapes (built once).
        static let vgg16 = LayerTable()

        /// "conv5_3:7,7" → the layer and the unit's row and column, when the unit is in its map.
        static func parseUnit(_ text: String) -> (layer: String, row: Int, column: Int)? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let row = vgg16.row(named: String(parts[0])), row.kind != .fullyConnected else { return nil }
            let numbers = parts[1].split(separator: ",").compactMap { Int($0) }
            guard numbers.count == 2, numbers.allSatisfy({ (0..<row.output.width).contains($0) }) else { return nil }
            return (String(parts[0]), numbers[0], numbers[1])
        }

        /// How the engine multiplies in each layer at `precision` (its default choices).
        static func arithmetic(_ precision: EngineOptions.Precision) -> [String: String] {
            var names = [String: String]()
            let convolutions = vgg16.rows.filter { $0.kind == .convolution }.map(\.name)
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
    /// The index's model these weights are, when they came from the index.
    var indexModel: Int64?

    init(layout: WeightLayout) {
        self.layout = layout
        preprocessing = layout.preprocessing
    }

    init(weights path: String) throws {
        let opened: OpenedWeights
        do throws(ModelError) {
            opened = try OpenedWeights.open(path, environment: ProcessInfo.processInfo.environment)
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
