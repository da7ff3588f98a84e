import Foundation
import VGGCommon

/// Seeded random weights of the real shapes: He-normal weights (std √(2 / fan-in), so
/// activations keep their scale through 16 layers) and small uniform biases. A random VGG16
/// costs exactly as much to run as a trained one, so tests and benchmarks use these.
public struct RandomWeights: WeightSource, Sendable {
    public let architecture: VGGArchitecture
    public let seed: UInt64

    public init(architecture: VGGArchitecture, seed: UInt64) {
        self.architecture = architecture
        self.seed = seed
    }

    public func convolution(_ index: Int) throws(ModelError) -> LayerWeights {
        let layer = architecture.convolutions[index]
        let fanIn = layer.inputChannels * 9
        return generate(layer: index, weights: layer.outputChannels * fanIn, biases: layer.outputChannels, fanIn: fanIn)
    }

    public func fullyConnected(_ index: Int) throws(ModelError) -> LayerWeights {
        let layer = architecture.fullyConnected[index]
        return generate(layer: 100 + index, weights: layer.outputs * layer.inputs, biases: layer.outputs, fanIn: layer.inputs)
    }

    /// Each layer has its own stream, so any layer can be generated alone and in any order.
    private func generate(layer: Int, weights: Int, biases: Int, fanIn: Int) -> LayerWeights {
        var generator = SplitMix64(seed: seed &+ UInt64(layer) &* 0x9E37_79B9_7F4A_7C15)
        let std = Float((2.0 / Double(fanIn)).squareRoot())
        var weight = [Float](repeating: 0, count: weights)
        var i = 0
        while i < weights {
            // Box-Muller: two normal samples per pair of uniforms.
            let u1 = max(generator.nextUnit(), 1e-12)
            let u2 = generator.nextUnit()
            let radius = (-2 * Foundation.log(u1)).squareRoot()
            weight[i] = Float(radius * Foundation.cos(2 * Double.pi * u2)) * std
            if i + 1 < weights { weight[i + 1] = Float(radius * Foundation.sin(2 * Double.pi * u2)) * std }
            i += 2
        }
        let bias = (0..<biases).map { _ in Float(generator.nextUnit() * 0.2 - 0.1) }
        return LayerWeights(weight: weight, bias: bias)
    }
}
