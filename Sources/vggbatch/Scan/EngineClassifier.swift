import VGGEngine
import VGGImaging
import VGGPipeline

/// The engine as the scan pipeline sees it: inputs in, top-5 and fc7 out, per image.
final class EngineClassifier: BatchClassifier {
    let network: VGGNetwork
    let preset: PreprocessPreset
    let top: Int
    private var fc7: [Float]
    private var probabilities: [Float]

    init(network: VGGNetwork, preset: PreprocessPreset, top: Int = 5) {
        self.network = network
        self.preset = preset
        self.top = top
        let a = network.architecture
        fc7 = [Float](repeating: 0, count: network.options.maxBatchSize * a.featureWidth)
        probabilities = [Float](repeating: 0, count: network.options.maxBatchSize * a.classCount)
    }

    var maxBatchSize: Int { network.options.maxBatchSize }

    var inputFloats: Int {
        let a = network.architecture
        return a.inputChannels * a.inputHeight * a.inputWidth
    }

    func writeInput(_ image: RGBImage, into destination: UnsafeMutableBufferPointer<Float>) {
        preset.write(image, into: destination)
    }

    func classify(_ inputs: UnsafePointer<Float>, count: Int) -> [ClassifierOutput] {
        let a = network.architecture
        fc7.withUnsafeMutableBufferPointer { features in
            probabilities.withUnsafeMutableBufferPointer { output in
                network.forward(images: inputs, count: count, fc7: features.baseAddress, probabilities: output.baseAddress)
            }
        }
        return (0..<count).map { image in
            let row = probabilities[(image * a.classCount)..<((image + 1) * a.classCount)]
            let best = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(top)
            return ClassifierOutput(
                top: best.map { ($0 - image * a.classCount, row[$0]) },
                features: Array(fc7[(image * a.featureWidth)..<((image + 1) * a.featureWidth)]))
        }
    }
}
