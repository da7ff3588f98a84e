/// The tensor names of a VGG16 weights file in each layout family: one place for them, used
/// to read files and to write them.
public enum TensorNames {
    /// The weight and bias names of the convolution at `features.N` (torchvision and timm alike).
    public static func convolution(featuresIndex: Int) -> (weight: String, bias: String) {
        ("features.\(featuresIndex).weight", "features.\(featuresIndex).bias")
    }

    /// The weight and bias names of fully connected layer `index` (0 = fc6) in `layout`.
    public static func linear(_ index: Int, layout: WeightLayout) -> (weight: String, bias: String) {
        let prefix: String
        switch (layout, index) {
        case (.torchvision, _), (.keras, _): prefix = "classifier.\(index * 3)"
        case (.timm, 0): prefix = "pre_logits.fc1"
        case (.timm, 1): prefix = "pre_logits.fc2"
        case (.timm, _): prefix = "head.fc"
        }
        return ("\(prefix).weight", "\(prefix).bias")
    }

    /// Whether tensor `a` comes before `b` in the network (features.2 before features.10,
    /// block2 before block10, the classifier last, a weight before its bias), in any layout.
    public static func inNetworkOrder(_ a: String, _ b: String) -> Bool {
        let (x, y) = (position(a), position(b))
        return x.layer != y.layer ? x.layer < y.layer : x.part != y.part ? x.part < y.part : a < b
    }

    private static func position(_ name: String) -> (layer: Int, part: Int) {
        let part = name.contains("bias") || name.contains("_b_") ? 1 : 0
        let fields = name.split(whereSeparator: { $0 == "." || $0 == "/" || $0 == "_" })
        let number = { (text: Substring) in Int(text.drop { !$0.isNumber }) }
        switch (fields.first, fields.count > 1 ? fields[1] : nil) {
        case ("features", let index?): return (number(index) ?? 0, part)
        case ("classifier", let index?): return (100_000 + (number(index) ?? 0), part)
        case ("pre", _): return (name.contains("fc1") ? 100_000 : 100_003, part)
        case ("head", _): return (100_006, part)
        case (let block?, let conv?) where block.hasPrefix("block"):
            return (100 * (number(block) ?? 0) + (number(conv) ?? 0), part)
        default:
            if name.hasPrefix("fc1") { return (100_000, part) }
            if name.hasPrefix("fc2") { return (100_003, part) }
            if name.hasPrefix("predictions") { return (100_006, part) }
            return (1_000_000, part)
        }
    }
}

extension SafetensorsWriter {
    /// Writes every layer of `source` as a torchvision-layout safetensors file (F32,
    /// convolutions K × C × 3 × 3, linear out × in), as `weights random` and the Keras
    /// converter do.
    public static func writeTorchvision(_ source: some WeightSource, metadata: [String: String], to path: String) throws(ModelError) {
        var tensors = [(name: String, shape: [Int], values: [Float])]()
        for (index, layer) in source.architecture.convolutions.enumerated() {
            let weights = try source.convolution(index)
            let names = TensorNames.convolution(featuresIndex: layer.featuresIndex)
            tensors.append((names.weight, [layer.outputChannels, layer.inputChannels, 3, 3], weights.weight))
            tensors.append((names.bias, [layer.outputChannels], weights.bias))
        }
        for (index, layer) in source.architecture.fullyConnected.enumerated() {
            let weights = try source.fullyConnected(index)
            let names = TensorNames.linear(index, layout: .torchvision)
            tensors.append((names.weight, [layer.outputs, layer.inputs], weights.weight))
            tensors.append((names.bias, [layer.outputs], weights.bias))
        }
        try write(tensors, metadata: metadata, to: path)
    }
}
