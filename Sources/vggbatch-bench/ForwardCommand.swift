import ArgumentParser
import Foundation
import VGGEngine
import VGGKeras
import VGGModel

/// Runs the network on a tensor from a file and writes fc7 and the logits, for comparison
/// with another engine (scripts/compare_onnxruntime.py).
struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run safetensors input [N,3,224,224] through the network; write fc7 [N,4096] and logits [N,1000].")

    @Option(help: "Weights (safetensors, or Keras HDF5).")
    var weights: String

    @Option(help: "Input safetensors file with a float tensor named 'input', shape [N, C, H, W].")
    var input: String

    @Option(help: "Output safetensors file (tensors 'fc7' and 'logits').")
    var output: String

    @Option(help: "How 3x3 convolutions run: auto, winograd, gemm or direct.")
    var algorithm = EngineOptions.ConvolutionAlgorithm.auto

    @Option(help: "Engine threads.")
    var threads = 2

    @OptionGroup var kernelOptions: KernelOptions

    func run() throws {
        let kernels = try kernelOptions.kernels()
        do throws(ModelError) {
            let source: any WeightSource = KerasWeights.isHDF5(path: weights)
                ? try KerasWeights(path: weights) : try SafetensorsWeights(path: weights)
            let a = source.architecture
            let file = try SafetensorsFile(path: input)
            guard let shape = file.tensors["input"]?.shape, shape.count == 4,
                shape[1] == a.inputChannels, shape[2] == a.inputHeight, shape[3] == a.inputWidth
            else {
                throw ModelError.invalidFile(path: input, reason: "needs a tensor 'input' of shape [N, \(a.inputChannels), \(a.inputHeight), \(a.inputWidth)]")
            }
            let images = try file.floats("input")
            let count = shape[0]
            let options = EngineOptions(threads: threads, maxBatchSize: count, convolutionAlgorithm: algorithm, kernels: kernels)
            let network = try VGGNetwork(source: source, options: options)
            var fc7 = [Float](repeating: 0, count: count * a.featureWidth)
            var logits = [Float](repeating: 0, count: count * a.classCount)
            images.withUnsafeBufferPointer { x in
                fc7.withUnsafeMutableBufferPointer { f in
                    logits.withUnsafeMutableBufferPointer { l in
                        guard let base = x.baseAddress else { return }
                        network.forward(images: base, count: count, fc7: f.baseAddress, logits: l.baseAddress)
                    }
                }
            }
            try SafetensorsWriter.write(
                [("fc7", [count, a.featureWidth], fc7), ("logits", [count, a.classCount], logits)], to: output)
        } catch {
            throw ValidationError(error.reason)
        }
    }
}

extension EngineOptions.ConvolutionAlgorithm: ExpressibleByArgument {}
