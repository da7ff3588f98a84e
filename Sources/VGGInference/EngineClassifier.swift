import VGGIndexTypes
import VGGCommon
import VGGEngine
import VGGImaging
import VGGPipeline

/// The engine as the scan pipeline sees it: resized images in, top classes and the feature
/// vector out, per image, in order.
public final class EngineClassifier: BatchClassifier {
    public let network: VGGNetwork
    public let preset: Preprocessing
    /// Classes kept per image.
    public let top: Int
    /// The batch's input tensor, reused from batch to batch.
    private var inputs: [Float] = []

    public init(network: VGGNetwork, preset: Preprocessing, top: Int = 5) {
        self.network = network
        self.preset = preset
        self.top = top
    }

    public var maxBatchSize: Int { network.options.maxBatchSize }

    public var engineCPUSeconds: Double { network.cpuSeconds }

    public func classify(_ images: [RGBImage]) -> [ImageResult] {
        let a = network.architecture
        let floats = a.inputChannels * a.inputHeight * a.inputWidth
        if inputs.count != images.count * floats { inputs = [Float](repeating: 0, count: images.count * floats) }
        for (slot, image) in images.enumerated() { preset.write(image, into: &inputs, at: slot * floats) }
        let outputs = network.forward(inputs, count: images.count)
        return images.indices.map { image in
            let probabilities = outputs.probabilities(of: image)
            let best = topIndices(probabilities, count: top)
            return ImageResult(
                top: best.map { ($0, probabilities[probabilities.startIndex + $0]) }, features: Array(outputs.features(of: image)),
                gem: Array(outputs.gem(of: image)), rmac: Array(outputs.rmac(of: image)))
        }
    }
}
