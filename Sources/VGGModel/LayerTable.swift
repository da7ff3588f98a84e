/// A VGG network layer by layer, computed from its configuration: shapes, weights in a file
/// layout's own names and shapes, parameters, multiply-adds, receptive fields and activation
/// memory. What `vggbatch explain` prints; every number in it is derived here, none typed in.
public struct LayerTable: Sendable, Codable, Equatable {
    /// Height × width × channels of one image's activations.
    public struct Shape: Sendable, Codable, Equatable, CustomStringConvertible {
        public var height: Int
        public var width: Int
        public var channels: Int
        public var elements: Int { height * width * channels }
        public var description: String { height == 1 && width == 1 ? "\(channels)" : "\(height)×\(width)×\(channels)" }
    }

    public enum Kind: String, Sendable, Codable {
        case convolution
        case maxPool = "max-pool"
        case fullyConnected = "fully-connected"
    }

    /// What one output unit of a layer sees of the input image: a square of `size` pixels,
    /// units `jump` pixels apart, the first centred on pixel `start` (negative or half-way
    /// values: padding and pools).
    public struct ReceptiveField: Sendable, Codable, Equatable {
        public var size: Int
        public var jump: Int
        public var start: Double

        /// The input pixels (one axis, inclusive, padding included) unit `index` sees.
        public func span(of index: Int) -> ClosedRange<Int> {
            let centre = start + Double(index * jump)
            let half = Double(size - 1) / 2
            return Int((centre - half).rounded())...Int((centre + half).rounded())
        }
    }

    public struct Row: Sendable, Codable, Equatable {
        public var kind: Kind
        /// conv1_1 … conv5_3, pool1 … pool5, fc6, fc7, fc8.
        public var name: String
        /// As the paper's Table 1 writes it: conv3-64, maxpool, FC-4096.
        public var paperName: String
        /// The layer's name in the file's layout (its tensors' prefix; a pool's module name).
        public var fileName: String
        public var input: Shape
        public var output: Shape
        /// The weight tensor's shape in the file's layout.
        public var weightShape: [Int]?
        /// "64 filters of 3×3×3", "4096 units of 25088 inputs".
        public var weightMeaning: String?
        public var weights: Int
        public var biases: Int
        public var parameters: Int { weights + biases }
        /// Of the whole network's parameters.
        public var parameterShare: Double
        /// Multiplications (each with its addition) for one image, biases not counted.
        public var multiplyAdds: Int
        /// torchinfo's count: one more multiply-add per output value for its bias.
        public var multiplyAddsWithBias: Int
        /// Nil for the fully connected layers, whose every unit sees the whole image.
        public var receptiveField: ReceptiveField?
        /// The output of one image, float32 (the engine keeps float32 between layers in every
        /// precision).
        public var activationBytes: Int
        /// How the engine multiplies in this layer: float32, bfloat16, float16 weights.
        public var arithmetic: String
    }

    public var configuration: VGGConfiguration
    public var layout: WeightLayout
    public var input: Shape
    public var rows: [Row]

    public var parameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    public var multiplyAdds: Int { rows.reduce(0) { $0 + $1.multiplyAdds } }
    public var multiplyAddsWithBias: Int { rows.reduce(0) { $0 + $1.multiplyAddsWithBias } }
    public var activationBytes: Int { rows.reduce(0) { $0 + $1.activationBytes } }

    /// The totals of one kind of layer.
    public func totals(of kind: Kind) -> (parameters: Int, multiplyAdds: Int) {
        rows.filter { $0.kind == kind }.reduce((0, 0)) { ($0.0 + $1.parameters, $0.1 + $1.multiplyAdds) }
    }

    public func row(named name: String) -> Row? { rows.first { $0.name == name } }

    /// - Parameters:
    ///   - arithmetic: how the engine computes each layer, by name (float32 when not named).
    public init(
        configuration: VGGConfiguration = .d, layout: WeightLayout = .torchvision, inputSize: Int = 224, classes: Int = 1000,
        arithmetic: [String: String] = [:]
    ) {
        self.configuration = configuration
        self.layout = layout
        input = Shape(height: inputSize, width: inputSize, channels: 3)
        var builder = Builder(configuration: configuration, layout: layout, input: input, arithmetic: arithmetic)
        builder.addBlocks()
        builder.addClassifier(classes: classes)
        let total = builder.rows.reduce(0) { $0 + $1.parameters }
        rows = builder.rows.map { row in
            var row = row
            row.parameterShare = Double(row.parameters) / Double(max(total, 1))
            return row
        }
    }
}

/// Walks the configuration once, carrying the shape, the receptive field and the file's
/// tensor numbering along.
private struct Builder {
    let configuration: VGGConfiguration
    let layout: WeightLayout
    let arithmetic: [String: String]
    var shape: LayerTable.Shape
    var field = LayerTable.ReceptiveField(size: 1, jump: 1, start: 0)
    var rows = [LayerTable.Row]()
    /// torchvision's `features.N` index: a convolution and its ReLU, or a pool, each count.
    var featuresIndex = 0

    init(configuration: VGGConfiguration, layout: WeightLayout, input: LayerTable.Shape, arithmetic: [String: String]) {
        self.configuration = configuration
        self.layout = layout
        self.arithmetic = arithmetic
        shape = input
    }

    mutating func addBlocks() {
        for (block, kernels) in configuration.blocks.enumerated() {
            let width = VGGConfiguration.blockWidths[block]
            for (position, kernel) in kernels.enumerated() {
                addConvolution(name: "conv\(block + 1)_\(position + 1)", kernel: kernel, filters: width, block: block, position: position)
            }
            addPool(block: block)
        }
    }

    mutating func addConvolution(name: String, kernel: Int, filters: Int, block: Int, position: Int) {
        let input = shape
        let output = LayerTable.Shape(height: input.height, width: input.width, channels: filters)
        let weights = filters * input.channels * kernel * kernel
        // Padding keeps the size (1 for 3×3, 0 for 1×1): the field grows by (k − 1) jumps.
        field.size += (kernel - 1) * field.jump
        let fileShape = layout == .keras ? [kernel, kernel, input.channels, filters] : [filters, input.channels, kernel, kernel]
        rows.append(LayerTable.Row(
            kind: .convolution, name: name, paperName: "conv\(kernel)-\(filters)",
            fileName: layout == .keras ? "block\(block + 1)_conv\(position + 1)" : "features.\(featuresIndex)",
            input: input, output: output, weightShape: fileShape,
            weightMeaning: "\(filters) filters of \(kernel)×\(kernel)×\(input.channels)",
            weights: weights, biases: filters, parameterShare: 0,
            multiplyAdds: weights * output.height * output.width, multiplyAddsWithBias: (weights + filters) * output.height * output.width,
            receptiveField: field, activationBytes: 4 * output.elements, arithmetic: arithmetic[name] ?? "float32"))
        shape = output
        featuresIndex += 2
    }

    mutating func addPool(block: Int) {
        let input = shape
        shape = LayerTable.Shape(height: input.height / 2, width: input.width / 2, channels: input.channels)
        // 2×2, stride 2, no padding: the field grows by one jump, the jump doubles, and the
        // first unit's centre moves half a jump right.
        field.size += field.jump
        field.start += 0.5 * Double(field.jump)
        field.jump *= 2
        rows.append(LayerTable.Row(
            kind: .maxPool, name: "pool\(block + 1)", paperName: "maxpool",
            fileName: layout == .keras ? "block\(block + 1)_pool" : "features.\(featuresIndex)", input: input, output: shape, weightShape: nil,
            weightMeaning: nil, weights: 0, biases: 0, parameterShare: 0, multiplyAdds: 0, multiplyAddsWithBias: 0,
            receptiveField: field, activationBytes: 4 * shape.elements, arithmetic: "—"))
        featuresIndex += 1
    }

    mutating func addClassifier(classes: Int) {
        let widths = [4096, 4096, classes]
        for (index, units) in widths.enumerated() {
            let inputs = shape.elements
            let name = "fc\(index + 6)"
            let kerasName = ["fc1", "fc2", "predictions"][index]
            let output = LayerTable.Shape(height: 1, width: 1, channels: units)
            let fileShape: [Int]
            switch layout {
            case .keras: fileShape = [inputs, units]
            case .torchvision: fileShape = [units, inputs]
            // timm keeps fc6 as a 7×7 convolution over pool5 and fc7 as a 1×1 one.
            case .timm: fileShape = index == 0 ? [units, shape.channels, shape.height, shape.width] : index == 1 ? [units, inputs, 1, 1] : [units, inputs]
            }
            let tensor = TensorNames.linear(index, layout: layout).weight
            rows.append(LayerTable.Row(
                kind: .fullyConnected, name: name, paperName: "FC-\(units)",
                fileName: layout == .keras ? kerasName : String(tensor.dropLast(".weight".count)),
                input: shape, output: output, weightShape: fileShape,
                weightMeaning: "\(units) units of \(inputs) inputs", weights: inputs * units, biases: units, parameterShare: 0,
                multiplyAdds: inputs * units, multiplyAddsWithBias: (inputs + 1) * units, receptiveField: nil,
                activationBytes: 4 * units, arithmetic: arithmetic[name] ?? "float32"))
            shape = output
        }
    }
}
