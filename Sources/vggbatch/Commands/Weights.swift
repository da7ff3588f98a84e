import ArgumentParser
import Foundation
import VGGModel

extension VGGBatch {
    /// `vggbatch weights`: manage weight files.
    struct Weights: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage VGG16 weight files.",
            subcommands: [Path.self, Random.self])
    }
}

extension VGGBatch.Weights {
    /// `vggbatch weights path`: which weights file the other commands would use.
    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the weights file scan and classify would use, or where to put one (exit 2).")

        @Option(help: ArgumentHelp("An explicit weights file to check instead of the usual search.", valueName: "path"))
        var weights: String?

        func run() throws {
            do throws(ModelError) {
                print(try WeightsLocator.resolve(explicit: weights, environment: ProcessInfo.processInfo.environment))
            } catch {
                throw CommandFailure(error.reason)
            }
        }
    }

    /// `vggbatch weights random`: seeded random weights in the real file format.
    struct Random: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write seeded random VGG16 weights as safetensors (torchvision names, F32).",
            discussion: """
                The file has the size and layout of real weights and runs exactly as fast, so \
                tests and benchmarks can use it; its labels are meaningless.
                """)

        @Option(help: "Random seed; the same seed writes the same file.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Where to write the file.", valueName: "path"))
        var output: String

        @Flag(help: "Write a tiny network of the same topology (32x32 input, a few channels) for fast tests.")
        var tiny = false

        func run() throws {
            let architecture: VGGArchitecture = tiny ? .tiny : .vgg16
            let source = RandomWeights(architecture: architecture, seed: seed)
            var tensors = [(name: String, shape: [Int], values: [Float])]()
            do throws(ModelError) {
                for (index, layer) in source.architecture.convolutions.enumerated() {
                    let weights = try source.convolution(index)
                    let shape = [layer.outputChannels, layer.inputChannels, 3, 3]
                    tensors.append(("features.\(layer.featuresIndex).weight", shape, weights.weight))
                    tensors.append(("features.\(layer.featuresIndex).bias", [layer.outputChannels], weights.bias))
                }
                for (index, layer) in source.architecture.fullyConnected.enumerated() {
                    let weights = try source.fullyConnected(index)
                    tensors.append(("classifier.\(index * 3).weight", [layer.outputs, layer.inputs], weights.weight))
                    tensors.append(("classifier.\(index * 3).bias", [layer.outputs], weights.bias))
                }
                try SafetensorsWriter.write(
                    tensors, metadata: metadata(architecture), to: output)
            } catch {
                throw CommandFailure(error.reason)
            }
            print("wrote \(output): random \(tiny ? "tiny VGG" : "VGG16"), seed \(seed), \(architecture.parameterCount) parameters")
        }

        private func metadata(_ architecture: VGGArchitecture) -> [String: String] {
            var metadata = ["format": "pt", "vggbatch.random_seed": "\(seed)"]
            if architecture != .vgg16 { metadata[VGGArchitecture.metadataKey] = architecture.metadataValue }
            return metadata
        }
    }
}
