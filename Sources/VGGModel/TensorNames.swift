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
