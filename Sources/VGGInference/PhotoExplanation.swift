import Foundation
import VGGCommon
import VGGEngine
import VGGModel

/// One photo through the network with every layer's output kept: what each layer made of
/// it, the top classes, and where the top class comes from (Grad-CAM on the last
/// convolution). For `vggbatch explain photo.jpg`.
public struct PhotoExplanation: Sendable {
    /// One layer's output for the photo.
    public struct Layer: Sendable {
        public var name: String
        public var channels: Int
        public var height: Int
        public var width: Int
        /// channels × height × width floats (fully connected: channels = units, 1 × 1).
        public var values: [Float]
        public var mean: Float
        public var maximum: Float
        /// Outputs that are exactly zero (after ReLU: units the photo does not excite).
        public var zeroFraction: Double
        /// Channels by mean activation, strongest first.
        public var strongestChannels: [Int]

        /// Channel `c`'s map, height × width.
        public func map(_ c: Int) -> ArraySlice<Float> { values[(c * height * width)..<((c + 1) * height * width)] }
    }

    public var layers: [Layer]
    /// The five most probable classes, most probable first.
    public var topClasses: [(index: Int, probability: Float)]
    /// Grad-CAM of the top class on the last convolution, `camHeight` × `camWidth`, 0...1.
    public var gradCAM: [Float]
    public var camHeight: Int
    public var camWidth: Int

    /// - Parameters:
    ///   - tensor: the photo, preprocessed for the weights (C × H × W).
    ///   - names: the layers' names in network order (the layer table's).
    ///   - fullyConnected: fc6, fc7 and fc8's weights, for Grad-CAM.
    public static func explain(network: VGGNetwork, tensor: [Float], names: [String], fullyConnected: [LayerWeights]) -> PhotoExplanation {
        let architecture = network.architecture
        let kept = network.forwardKeepingActivations(tensor, count: 1)
        var height = architecture.inputHeight
        var width = architecture.inputWidth
        var layers = [Layer]()
        for (index, layer) in architecture.layers.enumerated() {
            var channels = 0
            switch layer {
            case .convolution(let c): channels = c.outputChannels
            case .maxPool:
                channels = layers.last?.channels ?? architecture.inputChannels
                height /= 2
                width /= 2
            case .fullyConnected(let f):
                channels = f.outputs
                height = 1
                width = 1
            }
            layers.append(summary(names.indices.contains(index) ? names[index] : "layer\(index)", kept[index], channels, height, width))
        }
        let logits = kept[kept.count - 1]
        let probabilities = softmax(logits)
        let top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(5).map { ($0, probabilities[$0]) }
        let shape = architecture.lastConvolutionShape
        let last = architecture.layers.lastIndex { if case .convolution = $0 { true } else { false } } ?? 0
        let pass = GradCAM.Pass(
            lastConvolution: kept[last], channels: shape.channels, height: shape.height, width: shape.width,
            fc6: kept[kept.count - 3], fc7: kept[kept.count - 2])
        let gradient = GradCAM.gradient(pass, weights: fullyConnected, target: top.first?.0 ?? 0)
        return PhotoExplanation(
            layers: layers, topClasses: top, gradCAM: GradCAM.map(pass, gradient: gradient), camHeight: shape.height, camWidth: shape.width)
    }

    static func summary(_ name: String, _ values: [Float], _ channels: Int, _ height: Int, _ width: Int) -> Layer {
        let plane = height * width
        let means = (0..<channels).map { c in values[(c * plane)..<((c + 1) * plane)].reduce(0, +) / Float(plane) }
        let strongest = means.indices.sorted { means[$0] > means[$1] }
        return Layer(
            name: name, channels: channels, height: height, width: width, values: values,
            mean: values.reduce(0, +) / Float(max(values.count, 1)), maximum: values.max() ?? 0,
            zeroFraction: Double(values.filter { $0 == 0 }.count) / Double(max(values.count, 1)), strongestChannels: strongest)
    }

    /// The engine's own softmax, so the probabilities are those a scan stores.
    static func softmax(_ logits: [Float]) -> [Float] {
        var probabilities = [Float](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { input in
            probabilities.withUnsafeMutableBufferPointer { output in
                // Safe: both buffers hold `logits.count` floats, one row.
                guard let x = input.baseAddress, let y = output.baseAddress else { return }
                Softmax.rows(x, rows: 1, columns: logits.count, output: y)
            }
        }
        return probabilities
    }
}
