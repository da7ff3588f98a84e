import Testing
import VGGEngine
import VGGModel
import _VGGTestSupport

/// The whole forward pass of a tiny configuration-D network against ONNX Runtime, and the
/// engine's determinism promises.
@Suite("Forward pass")
struct NetworkTests {
    static func tinyWeights(_ file: String = "tiny-vgg.safetensors") throws -> SafetensorsWeights {
        try SafetensorsWeights(
            path: FixturePaths.repositoryRoot.appendingPathComponent("Tests/VGGEngineTests/Fixtures/\(file)").path,
            architecture: tinyArchitecture)
    }

    struct Outputs: Equatable {
        var fc7: [Float]
        var logits: [Float]
        var probabilities: [Float]
    }

    static func run(_ network: VGGNetwork, images: [Float], count: Int) -> Outputs {
        let a = network.architecture
        var out = Outputs(
            fc7: [Float](repeating: 0, count: count * a.featureWidth),
            logits: [Float](repeating: 0, count: count * a.classCount),
            probabilities: [Float](repeating: 0, count: count * a.classCount))
        images.withUnsafeBufferPointer { x in
            out.fc7.withUnsafeMutableBufferPointer { f in
                out.logits.withUnsafeMutableBufferPointer { l in
                    out.probabilities.withUnsafeMutableBufferPointer { p in
                        guard let input = x.baseAddress else { return }
                        network.forward(images: input, count: count, fc7: f.baseAddress, logits: l.baseAddress, probabilities: p.baseAddress)
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: EngineOptions.ConvolutionAlgorithm.allCases, EngineOptions.LinearPrecision.allCases)
    func tinyNetworkMatchesONNXRuntime(_ algorithm: EngineOptions.ConvolutionAlgorithm, _ precision: EngineOptions.LinearPrecision) throws {
        for kernels in testedKernels {
            try checkTinyNetwork(algorithm: algorithm, precision: precision, kernels: kernels)
        }
    }

    func checkTinyNetwork(algorithm: EngineOptions.ConvolutionAlgorithm, precision: EngineOptions.LinearPrecision, kernels: KernelSet) throws {
        let golden = try Golden("tiny-vgg-io.safetensors")
        let images = try golden.values("input")
        let options = EngineOptions(threads: 2, maxBatchSize: 3, convolutionAlgorithm: algorithm, linearPrecision: precision, kernels: kernels)
        let out = Self.run(try VGGNetwork(source: try Self.tinyWeights(), options: options), images: images, count: 3)
        // 16 layers of float32 in different summation orders: normwise error ~1e-6 measured;
        // the bound is 1e-4 relative, and fc7 directions must agree to cosine 0.99999.
        // Half-precision fully connected weights (rounded by up to 2^-11 each) move the
        // logits by 4.7e-4 here (fc7 cosine 0.99999996): bound 2e-3, and cosine 0.9999.
        let (bound, minimumCosine) = precision == .float32 ? (1e-4, 0.99999) : (2e-3, 0.9999)
        #expect(normwiseError(out.logits, try golden.values("logits")) < bound, "\(kernels)")
        #expect(normwiseError(out.probabilities, try golden.values("probabilities")) < bound, "\(kernels)")
        let fc7 = try golden.values("fc7")
        for image in 0..<3 {
            let range = (image * 24)..<((image + 1) * 24)
            #expect(cosine(out.fc7[range], fc7[range]) > minimumCosine, "\(kernels)")
        }
    }

    /// Every kernel set computes the same network: fc7 directions agree to cosine 0.99999.
    /// The activations `explain` keeps: every layer against ONNX Runtime's intermediate
    /// values, and the last convolution and fc7 bit for bit what `forward` gives the search
    /// descriptors and the index.
    @Test(arguments: [EngineOptions.ConvolutionAlgorithm.auto, .gemm])
    func keptActivationsMatchONNXRuntimeLayerByLayer(_ algorithm: EngineOptions.ConvolutionAlgorithm) throws {
        let golden = try Golden("tiny-vgg-io.safetensors")
        let layers = try Golden("tiny-vgg-layers.safetensors")
        let images = try golden.values("input")
        let options = EngineOptions(threads: 2, maxBatchSize: 3, convolutionAlgorithm: algorithm, linearPrecision: .float32)
        let network = try VGGNetwork(source: try Self.tinyWeights(), options: options)
        let kept = network.forwardKeepingActivations(images, count: 3)
        #expect(kept.count == network.architecture.layers.count)
        for (index, values) in kept.enumerated() {
            let expected = try layers.values(String(format: "layer%02d", index))
            // float32 in other summation orders; measured ~1e-6 normwise.
            #expect(values.count == expected.count && normwiseError(values, expected) < 1e-4, "layer \(index)")
        }
        let shape = network.architecture.lastConvolutionShape
        var lastConvolution = [Float](repeating: 0, count: 3 * shape.channels * shape.height * shape.width)
        var fc7 = [Float](repeating: 0, count: 3 * network.architecture.featureWidth)
        images.withUnsafeBufferPointer { x in
            lastConvolution.withUnsafeMutableBufferPointer { m in
                fc7.withUnsafeMutableBufferPointer { f in
                    guard let input = x.baseAddress else { return }
                    network.forward(images: input, count: 3, fc7: f.baseAddress, lastConvolution: m.baseAddress)
                }
            }
        }
        let lastConvolutionIndex = try #require(network.architecture.layers.lastIndex { if case .convolution = $0 { true } else { false } })
        #expect(kept[lastConvolutionIndex] == lastConvolution)
        #expect(kept[kept.count - 2] == fc7)
    }

    @Test func kernelSetsAgree() throws {
        let images = try Golden("tiny-vgg-io.safetensors").values("input")
        let weights = try Self.tinyWeights()
        let outputs = try testedKernels.map { kernels in
            Self.run(try VGGNetwork(source: weights, options: EngineOptions(threads: 2, maxBatchSize: 3, kernels: kernels)), images: images, count: 3)
        }
        for (kernels, out) in zip(testedKernels, outputs) {
            for image in 0..<3 {
                let range = (image * 24)..<((image + 1) * 24)
                #expect(cosine(out.fc7[range], outputs[0].fc7[range]) > 0.99999, "\(kernels) against \(testedKernels[0])")
            }
        }
    }

    @Test func timmNamesGiveTheSameNetwork() throws {
        let images = try Golden("tiny-vgg-io.safetensors").values("input")
        let torchvision = try Self.tinyWeights()
        let timm = try Self.tinyWeights("tiny-vgg-timm.safetensors")
        #expect(torchvision.layout == .torchvision)
        #expect(timm.layout == .timm)
        let a = Self.run(try VGGNetwork(source: torchvision, options: EngineOptions(threads: 1, maxBatchSize: 3)), images: images, count: 3)
        let b = Self.run(try VGGNetwork(source: timm, options: EngineOptions(threads: 1, maxBatchSize: 3)), images: images, count: 3)
        #expect(a == b)
    }

    /// The bfloat16 path (every Winograd layer of the tiny network in bfloat16, and the
    /// default set) against ONNX Runtime's float32, on every kernel set (natively or
    /// emulated): fc7 directions within cosine 0.999, logits within 6e-2 of their scale
    /// (measured 2.6e-2 to 4.1e-2: twelve layers of 4 to 16 random channels average few
    /// rounding errors out; the trained VGG16 figures are in Benchmarks/README.md).
    @Test(arguments: testedKernels)
    func bfloat16NetworkStaysCloseToFloat(_ kernels: KernelSet) throws {
        let golden = try Golden("tiny-vgg-io.safetensors")
        let images = try golden.values("input")
        let fc7 = try golden.values("fc7")
        for layers in [Set(1..<13), nil] {
            let options = EngineOptions(threads: 2, maxBatchSize: 3, kernels: kernels, precision: .bf16, bfloat16Convolutions: layers)
            let out = Self.run(try VGGNetwork(source: try Self.tinyWeights(), options: options), images: images, count: 3)
            let logitsError = normwiseError(out.logits, try golden.values("logits"))
            #expect(logitsError < 6e-2, "\(kernels): \(logitsError)")
            for image in 0..<3 {
                let range = (image * 24)..<((image + 1) * 24)
                #expect(cosine(out.fc7[range], fc7[range]) > 0.999, "\(kernels), image \(image)")
            }
        }
    }

    @Test(arguments: testedKernels, EngineOptions.Precision.allCases)
    func resultsAreBitIdenticalForAnyThreadCountAndBatchSize(_ kernels: KernelSet, _ precision: EngineOptions.Precision) throws {
        let images = try Golden("tiny-vgg-io.safetensors").values("input")
        let perImage = 3 * 64 * 48
        let weights = try Self.tinyWeights()
        let baseline = Self.run(
            try VGGNetwork(source: weights, options: EngineOptions(threads: 1, maxBatchSize: 3, kernels: kernels, precision: precision)),
            images: images, count: 3)
        for threads in [2, 3, 5] {
            for maxBatch in [1, 2, 3, 4] {
                let network = try VGGNetwork(
                    source: weights, options: EngineOptions(threads: threads, maxBatchSize: maxBatch, kernels: kernels, precision: precision))
                // Feed the three images in batches of every size up to maxBatch.
                for batch in 1...min(maxBatch, 3) {
                    var start = 0
                    while start < 3 {
                        let count = min(batch, 3 - start)
                        let slice = Array(images[(start * perImage)..<((start + count) * perImage)])
                        let out = Self.run(network, images: slice, count: count)
                        #expect(out.fc7 == Array(baseline.fc7[(start * 24)..<((start + count) * 24)]), "threads \(threads) batch \(batch)")
                        #expect(out.logits == Array(baseline.logits[(start * 10)..<((start + count) * 10)]))
                        start += count
                    }
                }
            }
        }
    }

    @Test func randomWeightsAreSeededAndShaped() throws {
        let a = RandomWeights(architecture: tinyArchitecture, seed: 7)
        let b = RandomWeights(architecture: tinyArchitecture, seed: 7)
        let c = RandomWeights(architecture: tinyArchitecture, seed: 8)
        #expect(try a.convolution(3) == b.convolution(3))
        #expect(try a.convolution(3) != c.convolution(3))
        #expect(try a.fullyConnected(0).weight.count == 24 * 32)
        // He initialisation: the weight variance is 2 / fan-in.
        let weights = try RandomWeights(architecture: .vgg16, seed: 1).convolution(5).weight
        let variance = weights.reduce(0) { $0 + Double($1) * Double($1) } / Double(weights.count)
        #expect(abs(variance - 2.0 / (256 * 9)) < 0.05 * 2.0 / (256 * 9))
    }
}
