import Foundation
import Testing
import VGGCommon
import VGGEngine
import VGGKeras
import VGGModel
import _VGGTestSupport

/// The Keras HDF5 loader against the same network in torchvision layout (fixtures written
/// by scripts/make_keras_fixture.py with h5py): the layout conversion must give the very
/// same numbers, so the same outputs.
@Suite("Keras HDF5 weights")
struct KerasWeightsTests {
    static func fixture(_ name: String) -> String {
        FixturePaths.repositoryRoot.appendingPathComponent("Tests/VGGKerasTests/Fixtures/\(name)").path
    }

    @Test func convertedLayersEqualTheTorchvisionFile() throws {
        let keras = try KerasWeights(path: Self.fixture("tiny-keras.h5"))
        let torch = try SafetensorsWeights(path: Self.fixture("tiny-torch.safetensors"))
        #expect(keras.architecture == torch.architecture)
        #expect(keras.architecture.inputHeight == 64 && keras.architecture.pool5Shape.height == 2)
        #expect(keras.hasClassifier && keras.metadata["keras_version"] == "2.2.4")
        for index in keras.architecture.convolutions.indices {
            #expect(try keras.convolution(index) == torch.convolution(index), "convolution \(index)")
        }
        for index in keras.architecture.fullyConnected.indices {
            #expect(try keras.fullyConnected(index) == torch.fullyConnected(index), "fully connected \(index)")
        }
        #expect(keras.parameterCount == keras.architecture.parameterCount)
    }

    @Test func theNetworksGiveTheSameOutputs() throws {
        let keras = try VGGNetwork(source: KerasWeights(path: Self.fixture("tiny-keras.h5")), options: EngineOptions(threads: 2, maxBatchSize: 2))
        let torch = try VGGNetwork(source: SafetensorsWeights(path: Self.fixture("tiny-torch.safetensors")), options: EngineOptions(threads: 2, maxBatchSize: 2))
        let a = keras.architecture
        var random = SplitMix64(seed: 9)
        let input = (0..<(2 * 3 * a.inputHeight * a.inputWidth)).map { _ in Float(random.nextGaussian()) }
        func run(_ network: VGGNetwork) -> (fc7: [Float], logits: [Float]) {
            var fc7 = [Float](repeating: 0, count: 2 * a.featureWidth)
            var logits = [Float](repeating: 0, count: 2 * a.classCount)
            input.withUnsafeBufferPointer { x in
                fc7.withUnsafeMutableBufferPointer { f in
                    logits.withUnsafeMutableBufferPointer { l in
                        network.forward(images: x.baseAddress!, count: 2, fc7: f.baseAddress, logits: l.baseAddress)
                    }
                }
            }
            return (fc7, logits)
        }
        let (kerasOut, torchOut) = (run(keras), run(torch))
        #expect(kerasOut.fc7 == torchOut.fc7)
        #expect(kerasOut.logits == torchOut.logits)
        #expect(kerasOut.fc7.contains { $0 > 0 })
    }

    @Test func notopFilesHoldTheConvolutionsOnly() throws {
        let notop = try KerasWeights(path: Self.fixture("tiny-keras-notop.h5"))
        let torch = try SafetensorsWeights(path: Self.fixture("tiny-torch.safetensors"))
        #expect(!notop.hasClassifier && notop.metadata["keras_version"] == "1.2.2")
        #expect(notop.tensors.first?.name == "/block1_conv1/block1_conv1_W_1:0")
        for index in 0..<13 { #expect(try notop.convolution(index) == torch.convolution(index)) }
        #expect(notop.architecture == .convolutionsOnly(
            convolutionChannels: torch.architecture.convolutions.map(\.outputChannels), inputHeight: 224, inputWidth: 224))
        #expect(throws: ModelError.self) { try notop.fullyConnected(0) }
    }

    /// A `_notop` network ends at pool5: its features are pool5 flattened C, H, W, checked
    /// against the reference kernels layer by layer.
    @Test func notopFeaturesArePool5() throws {
        let notop = try KerasWeights(path: Self.fixture("tiny-keras-notop.h5"))
        let network = try VGGNetwork(source: notop, options: EngineOptions(threads: 2, maxBatchSize: 1))
        let a = network.architecture
        #expect(a.featureWidth == 16 * 7 * 7 && a.classCount == 0 && !a.hasClassifier)
        var random = SplitMix64(seed: 5)
        var x = (0..<(3 * 224 * 224)).map { _ in Float(random.nextGaussian()) }
        var features = [Float](repeating: 0, count: a.featureWidth)
        x.withUnsafeBufferPointer { input in
            features.withUnsafeMutableBufferPointer { network.forward(images: input.baseAddress!, count: 1, fc7: $0.baseAddress) }
        }
        var channels = 3
        var size = 224
        var convolution = 0
        for layer in a.layers {
            switch layer {
            case .convolution(let c):
                let weights = try notop.convolution(convolution)
                x = ReferenceKernels.convolution3x3(
                    input: x, batch: 1, channels: channels, height: size, width: size,
                    weight: weights.weight, bias: weights.bias, outputChannels: c.outputChannels, relu: true)
                channels = c.outputChannels
                convolution += 1
            case .maxPool:
                x = ReferenceKernels.maxPool2x2(input: x, planes: channels, height: size, width: size)
                size /= 2
            case .fullyConnected:
                Issue.record("a notop network has no fully connected layer")
            }
        }
        #expect(x.count == features.count)
        let scale = x.map(abs).max() ?? 1
        for i in x.indices { #expect(abs(x[i] - features[i]) <= 1e-4 * scale, "feature \(i)") }
    }

    @Test func kerasWeightsUseCaffePreprocessing() throws {
        let identity = try WeightsIdentity.identify(path: Self.fixture("tiny-keras.h5"), layout: .keras, cache: nil)
        #expect(identity.preprocessing == .caffe && identity.known == nil)
    }

    @Test func badFilesAreClearErrors() throws {
        let directory = TemporaryDirectory()
        let text = directory.path("text.h5")
        try Data("not hdf5 at all".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: ModelError.invalidFile(path: text, reason: "not an HDF5 file")) { try KerasWeights(path: text) }
        #expect(!KerasWeights.isHDF5(path: text) && KerasWeights.isHDF5(path: Self.fixture("tiny-keras.h5")))

        // Truncated at several points: every one an error, none a crash.
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("tiny-keras.h5")))
        for fraction in [0.01, 0.1, 0.5, 0.9, 0.99] {
            let cut = directory.path("cut-\(fraction).h5")
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: URL(fileURLWithPath: cut))
            do {
                let weights = try KerasWeights(path: cut)
                for index in 0..<13 { _ = try weights.convolution(index) }
                for index in 0..<3 { _ = try weights.fullyConnected(index) }
                Issue.record("a file cut to \(fraction) loaded")
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
        // A kernel declaring 3×3×3×2^40 floats in a 98 KB file: refused from its shape, nothing allocated.
        let huge = Self.fixture("huge-shape.h5")
        let error = #expect(throws: ModelError.self) { try KerasWeights(path: huge) }
        #expect(error?.reason.contains("/block1_conv1/block1_conv1_W_1:0 declares shape [3, 3, 3, 1099511627776], more than the") == true,
            "\(String(describing: error))")

        // Found by fuzzing: a 100 KB file whose variable-length keras_version attribute states 1.8 GB,
        // which libhdf5 would allocate while reading it. Variable-length strings are never read: as
        // metadata they are left out, as layer or weight names refused (scripts/fuzz replays this file
        // with a 512 MB limit on any single allocation).
        let vlen = FixturePaths.repositoryRoot.appendingPathComponent("Fuzz/Regressions/hdf5/vlen-string-1.8GB.h5").path
        let vlenError = #expect(throws: ModelError.self) { try KerasWeights(path: vlen) }
        #expect(vlenError?.reason.contains("layer input_1 has no weight_names attribute") == true, "\(String(describing: vlenError))")

        // An HDF5 file that is not Keras weights (a safetensors file is not HDF5; the notop file is, but a
        // different layer count is refused by name).
        #expect(throws: ModelError.self) { try KerasWeights(path: Self.fixture("tiny-torch.safetensors")) }
    }
}
