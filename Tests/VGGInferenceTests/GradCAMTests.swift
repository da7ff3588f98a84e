import Testing
import VGGCommon
import VGGEngine
@testable import VGGInference
import VGGModel

/// Grad-CAM's backward pass against finite differences of the network's head (pool5, fc6,
/// fc7, fc8 recomputed in Double from the same weights) on a small configuration-D network
/// with seeded random weights.
@Suite("Grad-CAM")
struct GradCAMTests {
    static let architecture = VGGArchitecture.configurationD(
        convolutionChannels: [4, 4, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16], hiddenWidth: 24, classes: 10, inputHeight: 64, inputWidth: 64)

    /// fc8's logit `target` from a last-convolution output, in Double.
    static func logit(_ map: [Double], channels: Int, side: Int, weights: [LayerWeights], target: Int) -> Double {
        let half = side / 2
        var pooled = [Double](repeating: 0, count: channels * half * half)
        for c in 0..<channels {
            for y in 0..<half {
                for x in 0..<half {
                    let at = { (dy: Int, dx: Int) in map[(c * side + 2 * y + dy) * side + 2 * x + dx] }
                    pooled[(c * half + y) * half + x] = max(max(at(0, 0), at(0, 1)), max(at(1, 0), at(1, 1)))
                }
            }
        }
        func linear(_ input: [Double], _ layer: LayerWeights, relu: Bool) -> [Double] {
            (0..<layer.bias.count).map { o in
                let sum = input.indices.reduce(Double(layer.bias[o])) { $0 + $1.doubleProduct(input, layer.weight, row: o, columns: input.count) }
                return relu ? max(sum, 0) : sum
            }
        }
        let fc6 = linear(pooled, weights[0], relu: true)
        let fc7 = linear(fc6, weights[1], relu: true)
        return linear(fc7, weights[2], relu: false)[target]
    }

    @Test func theGradientIsTheHeadsDerivative() throws {
        let source = RandomWeights(architecture: Self.architecture, seed: 11)
        let network = try VGGNetwork(source: source, options: EngineOptions(threads: 1, maxBatchSize: 1, linearPrecision: .float32))
        var random = SplitMix64(seed: 3)
        let image = (0..<(3 * 64 * 64)).map { _ in Float(random.nextGaussian()) }
        let kept = network.forwardKeepingActivations(image, count: 1)
        let last = try #require(network.architecture.layers.lastIndex { if case .convolution = $0 { true } else { false } })
        let pass = GradCAM.Pass(lastConvolution: kept[last], channels: 16, height: 4, width: 4, fc6: kept[kept.count - 3], fc7: kept[kept.count - 2])
        let weights = try (0..<3).map { try source.fullyConnected($0) }
        let logits = kept[kept.count - 1]
        let target = try #require(logits.indices.max { logits[$0] < logits[$1] })
        let gradient = GradCAM.gradient(pass, weights: weights, target: target)
        #expect(gradient.contains { $0 != 0 })
        let map = pass.lastConvolution.map(Double.init)
        let step = 1e-4
        var checked = 0
        for index in map.indices where map[index] > 0.01 {
            var up = map, down = map
            up[index] += step
            down[index] -= step
            let numeric = (Self.logit(up, channels: 16, side: 4, weights: weights, target: target)
                - Self.logit(down, channels: 16, side: 4, weights: weights, target: target)) / (2 * step)
            // float32 products in the backward pass against Double here.
            #expect(abs(numeric - Double(gradient[index])) <= 1e-3 * max(1, abs(numeric)), "element \(index)")
            checked += 1
        }
        #expect(checked > 50)
        let cam = GradCAM.map(pass, gradient: gradient)
        #expect(cam.count == 16 && cam.allSatisfy { $0 >= 0 && $0 <= 1 } && (cam.max() == 1 || cam.allSatisfy { $0 == 0 }))
    }
}

private extension Int {
    /// input[self] · matrix[row, self], in Double.
    func doubleProduct(_ input: [Double], _ matrix: [Float], row: Int, columns: Int) -> Double {
        input[self] * Double(matrix[row * columns + self])
    }
}
