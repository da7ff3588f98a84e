/// A VGG network of configuration D's shape, as data: the engine builds its plan from it,
/// the weight loader checks tensor shapes against it, and the benchmark counts FLOPs with it.
///
/// Dimension names follow the engine: activations N, C, H, W; weights K×C×R×S.
public struct VGGArchitecture: Sendable, Equatable {
    /// One 3×3, stride 1, pad 1 convolution followed by ReLU.
    public struct Convolution: Sendable, Equatable {
        public var name: String
        public var inputChannels: Int
        public var outputChannels: Int
        /// Index in torchvision's `features` sequence (`features.N.weight`).
        public var featuresIndex: Int
    }

    /// One fully connected layer.
    public struct FullyConnected: Sendable, Equatable {
        public var name: String
        public var inputs: Int
        public var outputs: Int
        /// Followed by ReLU (fc6, fc7) or not (fc8, whose output is the logits).
        public var relu: Bool
    }

    /// One step of the network in order.
    public enum Layer: Sendable, Equatable {
        case convolution(Convolution)
        case maxPool
        case fullyConnected(FullyConnected)
    }

    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var layers: [Layer]

    /// VGG16 (configuration D) on 224×224 RGB: 13 convolutions, 5 pools, fc6, fc7, fc8.
    public static let vgg16 = configurationD(
        convolutionChannels: [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512],
        hiddenWidth: 4096, classes: 1000, inputHeight: 224, inputWidth: 224)

    /// Configuration D's topology with other widths: convolutions in blocks of 2, 2, 3, 3, 3,
    /// each block followed by a 2×2 max-pool, then two hidden fully connected layers and a
    /// classifier. Small versions of it make fast, exact tests of the full forward pass.
    /// Configuration D's 13 convolutions and 5 pools without the fully connected layers:
    /// what a Keras `_notop` file holds. Its feature vector is pool5, flattened.
    public static func convolutionsOnly(convolutionChannels: [Int], inputHeight: Int, inputWidth: Int) -> VGGArchitecture {
        var architecture = configurationD(
            convolutionChannels: convolutionChannels, hiddenWidth: 1, classes: 1, inputHeight: inputHeight, inputWidth: inputWidth)
        architecture.layers.removeAll { if case .fullyConnected = $0 { return true } else { return false } }
        return architecture
    }

    public static func configurationD(
        convolutionChannels: [Int], hiddenWidth: Int, classes: Int, inputHeight: Int, inputWidth: Int
    ) -> VGGArchitecture {
        precondition(convolutionChannels.count == 13, "configuration D has 13 convolutions")
        let blocks = [2, 2, 3, 3, 3]
        var layers = [Layer]()
        var channels = 3
        var height = inputHeight
        var width = inputWidth
        var convolution = 0
        var featuresIndex = 0
        for (blockIndex, size) in blocks.enumerated() {
            for position in 0..<size {
                let out = convolutionChannels[convolution]
                layers.append(.convolution(Convolution(
                    name: "conv\(blockIndex + 1)_\(position + 1)", inputChannels: channels,
                    outputChannels: out, featuresIndex: featuresIndex)))
                channels = out
                convolution += 1
                featuresIndex += 2  // conv, ReLU
            }
            layers.append(.maxPool)
            featuresIndex += 1
            height /= 2
            width /= 2
        }
        let flattened = channels * height * width
        layers.append(.fullyConnected(FullyConnected(name: "fc6", inputs: flattened, outputs: hiddenWidth, relu: true)))
        layers.append(.fullyConnected(FullyConnected(name: "fc7", inputs: hiddenWidth, outputs: hiddenWidth, relu: true)))
        layers.append(.fullyConnected(FullyConnected(name: "fc8", inputs: hiddenWidth, outputs: classes, relu: false)))
        return VGGArchitecture(inputChannels: 3, inputHeight: inputHeight, inputWidth: inputWidth, layers: layers)
    }

    /// The convolutions in order.
    public var convolutions: [Convolution] {
        layers.compactMap { if case .convolution(let c) = $0 { return c } else { return nil } }
    }

    /// The fully connected layers in order (fc6, fc7, fc8).
    public var fullyConnected: [FullyConnected] {
        layers.compactMap { if case .fullyConnected(let f) = $0 { return f } else { return nil } }
    }

    /// Shape (C, H, W) of the last pooling output, which fc6 flattens in C, H, W order.
    public var pool5Shape: (channels: Int, height: Int, width: Int) {
        var height = inputHeight
        var width = inputWidth
        for case .maxPool in layers {
            height /= 2
            width /= 2
        }
        return (convolutions.last?.outputChannels ?? inputChannels, height, width)
    }

    /// Width of the feature vector: fc7's output, or for a convolutions-only network (a
    /// Keras `_notop` file) the flattened pool5 output (C·H·W, in C, H, W order).
    public var featureWidth: Int {
        if fullyConnected.isEmpty {
            let pool5 = pool5Shape
            return pool5.channels * pool5.height * pool5.width
        }
        return fullyConnected.count >= 2 ? fullyConnected[1].outputs : 0
    }

    /// Shape (C, H, W) of the last convolution's output before its pool (conv5_3 after its
    /// ReLU: 512 × 14 × 14 for VGG16 at 224 × 224), which the GeM and R-MAC descriptors pool.
    public var lastConvolutionShape: (channels: Int, height: Int, width: Int) {
        var height = inputHeight
        var width = inputWidth
        var shape = (channels: inputChannels, height: height, width: width)
        for layer in layers {
            switch layer {
            case .convolution(let c): shape = (c.outputChannels, height, width)
            case .maxPool:
                height /= 2
                width /= 2
            case .fullyConnected: break
            }
        }
        return shape
    }

    /// Width of the GeM and R-MAC descriptors: the last convolution's channel count.
    public var descriptorWidth: Int { lastConvolutionShape.channels }

    /// Whether the network ends in fc6–fc8 (labels and fc7) rather than at pool5.
    public var hasClassifier: Bool { !fullyConnected.isEmpty }

    /// Number of classes (fc8's output).
    public var classCount: Int { fullyConnected.last?.outputs ?? 0 }

    /// Weights and biases, all layers.
    public var parameterCount: Int {
        convolutions.reduce(0) { $0 + $1.outputChannels * ($1.inputChannels * 9 + 1) }
            + fullyConnected.reduce(0) { $0 + $1.outputs * ($1.inputs + 1) }
    }

    /// Multiply-accumulates for one image (convolutions and fully connected layers).
    public var multiplyAccumulatesPerImage: Int {
        var height = inputHeight
        var width = inputWidth
        var total = 0
        for layer in layers {
            switch layer {
            case .convolution(let c): total += c.outputChannels * c.inputChannels * 9 * height * width
            case .maxPool:
                height /= 2
                width /= 2
            case .fullyConnected(let f): total += f.inputs * f.outputs
            }
        }
        return total
    }
}
