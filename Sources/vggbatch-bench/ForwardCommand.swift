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

    @Option(help: "Arithmetic of the convolutions: f32 or bf16.")
    var precision = EngineOptions.Precision.f32

    @Option(help: ArgumentHelp(
        "With --precision bf16: the convolutions (0 = conv1_1) computed in bfloat16, comma-separated (default: the engine's own choice).",
        valueName: "indices"))
    var bf16Layers: String?

    @OptionGroup var kernelOptions: KernelOptions

    /// `--bf16-layers` as a set, each index checked against the network's convolutions.
    func bfloat16Layers(convolutions: Int) throws -> Set<Int>? {
        try bf16Layers.map { text in
            try Set(text.split(separator: ",").map { part -> Int in
                guard let index = Int(part.trimmingCharacters(in: .whitespaces)), index >= 0, index < convolutions else {
                    throw ValidationError("--bf16-layers: \(part) is not a convolution index 0...\(convolutions - 1)")
                }
                return index
            })
        }
    }

    func run() throws {
        let kernels = try kernelOptions.kernels()
        let layers = try bfloat16Layers(convolutions: 13)
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
            let options = EngineOptions(
                threads: threads, maxBatchSize: count, convolutionAlgorithm: algorithm, kernels: kernels, precision: precision,
                bfloat16Convolutions: layers)
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
extension EngineOptions.Precision: ExpressibleByArgument {}
