import VGGCommon

/// VGG weights read from a safetensors file with torchvision or timm tensor names.
///
/// Every tensor the architecture needs is checked (present, element type, shape) when the
/// source is opened, so a wrong file fails before any packing starts, with one error naming
/// the tensor and the expected and actual shapes. Values are checked for NaN and infinity
/// as each layer is read.
public final class SafetensorsWeights: WeightSource, @unchecked Sendable {
    public let architecture: VGGArchitecture
    public let file: SafetensorsFile
    public let layout: WeightLayout

    /// Opens and validates `path` against `architecture`; when that is nil, against the
    /// architecture recorded in the file's metadata by vggbatch, else VGG16.
    public init(path: String, architecture: VGGArchitecture? = nil) throws(ModelError) {
        let file = try SafetensorsFile(path: path)
        self.file = file
        if let architecture {
            self.architecture = architecture
        } else if let recorded = file.metadata[VGGArchitecture.metadataKey] {
            guard let parsed = VGGArchitecture(metadataValue: recorded) else {
                throw .invalidFile(path: path, reason: "unreadable \(VGGArchitecture.metadataKey) metadata \"\(recorded)\"")
            }
            self.architecture = parsed
        } else if let base = Self.convolutionBase(file) {
            self.architecture = base
        } else {
            self.architecture = .vgg16
        }
        layout = try Self.detectLayout(file)
        for index in self.architecture.convolutions.indices {
            let (weight, bias) = convolutionNames(index)
            try check(weight, acceptable: [convolutionShape(index)])
            try check(bias, acceptable: [[self.architecture.convolutions[index].outputChannels]])
        }
        for index in self.architecture.fullyConnected.indices {
            let (weight, bias) = linearNames(index)
            try check(weight, acceptable: linearShapes(index))
            try check(bias, acceptable: [[self.architecture.fullyConnected[index].outputs]])
        }
    }

    public func convolution(_ index: Int) throws(ModelError) -> LayerWeights {
        let (weight, bias) = convolutionNames(index)
        return LayerWeights(weight: try finiteFloats(weight), bias: try finiteFloats(bias))
    }

    public func fullyConnected(_ index: Int) throws(ModelError) -> LayerWeights {
        let (weight, bias) = linearNames(index)
        // The conv forms of timm hold the same numbers in the same (out, C·H·W) order.
        return LayerWeights(weight: try finiteFloats(weight), bias: try finiteFloats(bias))
    }

    public func release(convolution index: Int) {
        let (weight, bias) = convolutionNames(index)
        file.releasePages(of: [weight, bias])
    }

    public func release(fullyConnected index: Int) {
        let (weight, bias) = linearNames(index)
        file.releasePages(of: [weight, bias])
    }

    /// A file of configuration D's 13 convolutions and nothing else (a `_notop` base, as the
    /// trained ImageNet one is published): the network ends at pool5, its widths are the
    /// file's, and its input is the usual 224 × 224 (without a classifier any size works).
    static func convolutionBase(_ file: SafetensorsFile) -> VGGArchitecture? {
        let head = ["classifier.", "head.", "pre_logits."]
        guard !file.tensorNames.contains(where: { name in head.contains { name.hasPrefix($0) } }) else { return nil }
        var widths = [Int]()
        for layer in VGGArchitecture.vgg16.convolutions {
            guard let shape = file.tensors[TensorNames.convolution(featuresIndex: layer.featuresIndex).weight]?.shape, shape.count == 4
            else { return nil }
            widths.append(shape[0])
        }
        return VGGArchitecture.convolutionsOnly(convolutionChannels: widths, inputHeight: 224, inputWidth: 224)
    }

    /// The tensor names that decide the layout; anything else is an unknown layout.
    static func detectLayout(_ file: SafetensorsFile) throws(ModelError) -> WeightLayout {
        let names = file.tensors
        if names["pre_logits.fc1.weight"] != nil { return .timm }
        // features.N alone: a convolutions-only network (converted from a Keras _notop file).
        if names["classifier.0.weight"] != nil || names["features.0.weight"] != nil { return .torchvision }
        let sample = file.tensorNames.prefix(4).joined(separator: ", ")
        if file.tensorNames.contains(where: { $0.hasPrefix("block1_conv1") }) {
            throw .unknownLayout(path: file.path, reason: "Keras names (\(sample)) belong in an HDF5 file, not safetensors")
        }
        throw .unknownLayout(
            path: file.path,
            reason: "expected torchvision (features.N, classifier.N) or timm (pre_logits.fc1, head.fc) names, found \(sample.isEmpty ? "no tensors" : sample)")
    }

    private func convolutionNames(_ index: Int) -> (String, String) {
        let names = TensorNames.convolution(featuresIndex: architecture.convolutions[index].featuresIndex)
        return (names.weight, names.bias)
    }

    private func convolutionShape(_ index: Int) -> [Int] {
        let c = architecture.convolutions[index]
        return [c.outputChannels, c.inputChannels, 3, 3]
    }

    private func linearNames(_ index: Int) -> (String, String) {
        let names = TensorNames.linear(index, layout: layout)
        return (names.weight, names.bias)
    }

    /// Linear shapes, plus the convolution forms timm uses for fc6 (7×7) and fc7 (1×1).
    private func linearShapes(_ index: Int) -> [[Int]] {
        let f = architecture.fullyConnected[index]
        var shapes = [[f.outputs, f.inputs]]
        if layout == .timm && index == 0 {
            let pool5 = architecture.pool5Shape
            shapes.insert([f.outputs, pool5.channels, pool5.height, pool5.width], at: 0)
        } else if layout == .timm && index == 1 {
            shapes.insert([f.outputs, f.inputs, 1, 1], at: 0)
        }
        return shapes
    }

    private func check(_ name: String, acceptable: [[Int]]) throws(ModelError) {
        guard let tensor = file.tensors[name] else { throw .missingTensor(path: file.path, tensor: name) }
        guard ["F32", "F16", "BF16"].contains(tensor.dtype) else {
            throw .unsupportedDType(path: file.path, tensor: name, dtype: tensor.dtype)
        }
        guard acceptable.contains(tensor.shape) else {
            throw .shapeMismatch(path: file.path, tensor: name, expected: acceptable[0], actual: tensor.shape)
        }
    }

    private func finiteFloats(_ name: String) throws(ModelError) -> [Float] {
        // The copy is all the caller needs: dropping the mapped pages as they are copied keeps
        // fc6 (411 MB) from ever being resident twice.
        let values = try file.floats(name, releasingPages: true)
        var bad = 0
        for value in values where !value.isFinite { bad += 1 }
        if bad > 0 { throw .nonFinite(path: file.path, tensor: name, count: bad) }
        return values
    }
}
