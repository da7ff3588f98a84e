import Dispatch
import VGGModel

/// A VGG network ready to run: weights packed once, every buffer sized once for the largest
/// batch, a persistent thread pool. `forward` allocates nothing on the GEMM path.
///
/// Activations are CNHW inside the engine (channel planes that hold the whole batch, so a
/// convolution over the batch is one GEMM); inputs and outputs are per image. See README.md.
public final class VGGNetwork {
    public let architecture: VGGArchitecture
    public let options: EngineOptions

    private let pool: ThreadPool
    private let convolutionWeights: [PackedMatrixA]
    private let convolutionBiases: [AlignedBuffer]
    /// Unpacked convolution weights, kept only for the `direct` algorithm.
    private let directWeights: [LayerWeights]
    private let linearWeights: [PackedMatrixB]
    private let linearBiases: [AlignedBuffer]
    private var columnsBySize: [Int: ConvolutionColumns] = [:]
    private let activationA: AlignedBuffer
    private let activationB: AlignedBuffer
    private let linearA: AlignedBuffer
    private let linearB: AlignedBuffer
    private let packBuffers: [AlignedBuffer]

    /// Packs every layer from `source`, one layer at a time (the source may release each layer
    /// once packed), and allocates the buffers for `options.maxBatchSize` images.
    public init(source: some WeightSource, options: EngineOptions = EngineOptions()) throws(ModelError) {
        let architecture = source.architecture
        self.architecture = architecture
        self.options = options
        pool = ThreadPool(threadCount: options.threads)

        var packed = [PackedMatrixA]()
        var biases = [AlignedBuffer]()
        var direct = [LayerWeights]()
        for (index, layer) in architecture.convolutions.enumerated() {
            let weights = try source.convolution(index)
            let depth = layer.inputChannels * 9
            packed.append(PackedMatrixA(rows: layer.outputChannels, depth: depth) { row, k in weights.weight[row * depth + k] })
            biases.append(AlignedBuffer(weights.bias))
            if options.convolutionAlgorithm == .direct { direct.append(weights) }
            source.release(convolution: index)
        }
        convolutionWeights = packed
        convolutionBiases = biases
        directWeights = direct

        var linear = [PackedMatrixB]()
        var linearBias = [AlignedBuffer]()
        for (index, layer) in architecture.fullyConnected.enumerated() {
            let weights = try source.fullyConnected(index)
            let inputs = layer.inputs
            linear.append(PackedMatrixB(depth: inputs, columns: layer.outputs) { k, column in weights.weight[column * inputs + k] })
            linearBias.append(AlignedBuffer(weights.bias))
            source.release(fullyConnected: index)
        }
        linearWeights = linear
        linearBiases = linearBias

        // Buffers: the largest activation of any layer.
        let batch = options.maxBatchSize
        var largest = architecture.inputChannels * architecture.inputHeight * architecture.inputWidth
        var height = architecture.inputHeight
        var width = architecture.inputWidth
        var sizes = Set<Int>()
        for layer in architecture.layers {
            switch layer {
            case .convolution(let c):
                largest = max(largest, c.outputChannels * height * width)
                sizes.insert(height * 65536 + width)
            case .maxPool:
                height /= 2
                width /= 2
            case .fullyConnected: break
            }
        }
        // Padding: packing reads up to a row and a panel past either end of the planes.
        let padding = architecture.inputWidth + 32
        activationA = AlignedBuffer(count: largest * batch, padding: padding)
        activationB = AlignedBuffer(count: largest * batch, padding: padding)
        let widest = architecture.fullyConnected.map { max($0.inputs, $0.outputs) }.max() ?? 0
        linearA = AlignedBuffer(count: widest * batch)
        linearB = AlignedBuffer(count: widest * batch)
        let packFloats = max(GEMMBlocking.kc * GEMMBlocking.nc, GEMMBlocking.kc * GEMMBlocking.roundUp(batch, to: 6))
        packBuffers = (0..<options.threads).map { _ in AlignedBuffer(count: packFloats) }
        for size in sizes {
            columnsBySize[size] = ConvolutionColumns(batch: batch, height: size / 65536, width: size % 65536)
        }
    }

    /// Runs `count` images (1...maxBatchSize) through the network.
    ///
    /// - images: `count` × C × H × W floats, each image CHW, preprocessed for the weights.
    /// - fc7: `count` × featureWidth floats (after fc7's ReLU; pool5 flattened for a
    ///   convolutions-only network), or nil.
    /// - logits: `count` × classCount floats (fc8's output), or nil.
    /// - probabilities: `count` × classCount floats (softmax of the logits), or nil.
    /// - layerSeconds: if given, `architecture.layers.count` doubles to which each layer's
    ///   wall time is added (for per-layer benchmarks).
    /// Each image's results depend only on that image: never on the batch or thread count.
    public func forward(
        images: UnsafePointer<Float>, count: Int,
        fc7: UnsafeMutablePointer<Float>? = nil, logits: UnsafeMutablePointer<Float>? = nil,
        probabilities: UnsafeMutablePointer<Float>? = nil, layerSeconds: UnsafeMutablePointer<Double>? = nil
    ) {
        precondition(count >= 1 && count <= options.maxBatchSize, "batch of \(count) outside 1...\(options.maxBatchSize)")
        let a = architecture
        var channels = a.inputChannels
        var height = a.inputHeight
        var width = a.inputWidth
        var current = activationA
        var spare = activationB

        // Per-image CHW → CNHW.
        let plane = height * width
        current.withUnsafeMutablePointer { destination in
            for image in 0..<count {
                for c in 0..<channels {
                    (destination + (c * count + image) * plane).update(from: images + (image * channels + c) * plane, count: plane)
                }
            }
        }

        var convolutionIndex = 0
        var linearIndex = 0
        for (layerIndex, layer) in a.layers.enumerated() {
            let started = layerSeconds == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            defer {
                if let layerSeconds {
                    layerSeconds[layerIndex] += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                }
            }
            switch layer {
            case .convolution(let c):
                convolve(convolutionIndex, c, input: current, output: spare, count: count, height: height, width: width)
                swap(&current, &spare)
                channels = c.outputChannels
                convolutionIndex += 1
            case .maxPool:
                let planes = channels * count
                let h = height
                let w = width
                current.withUnsafePointer { input in
                    spare.withUnsafeMutablePointer { output in
                        pool.run { t, threads in
                            MaxPool.pool2x2(input: input, height: h, width: w, output: output,
                                            planeRange: ThreadPool.slice(planes, thread: t, of: threads))
                        }
                    }
                }
                swap(&current, &spare)
                height /= 2
                width /= 2
            case .fullyConnected(let f):
                if linearIndex == 0 { flattenForLinear(current, channels: channels, pixels: height * width, count: count) }
                let input = linearIndex % 2 == 0 ? linearA : linearB
                let output = linearIndex % 2 == 0 ? linearB : linearA
                runLinear(linearIndex, f, input: input, output: output, count: count)
                if linearIndex == 1, let fc7 {
                    output.withUnsafePointer { fc7.update(from: $0, count: count * f.outputs) }
                }
                if linearIndex == 2 {
                    output.withUnsafePointer { result in
                        logits?.update(from: result, count: count * f.outputs)
                        if let probabilities { Softmax.rows(result, rows: count, columns: f.outputs, output: probabilities) }
                    }
                }
                linearIndex += 1
            }
        }
        // A convolutions-only network's features are pool5, flattened C, H, W.
        if a.fullyConnected.isEmpty, let fc7 {
            let pixels = height * width
            current.withUnsafePointer { source in
                for image in 0..<count {
                    for c in 0..<channels {
                        (fc7 + (image * channels + c) * pixels).update(from: source + (c * count + image) * pixels, count: pixels)
                    }
                }
            }
        }
    }

    private func convolve(
        _ index: Int, _ layer: VGGArchitecture.Convolution, input: AlignedBuffer, output: AlignedBuffer,
        count: Int, height: Int, width: Int
    ) {
        if options.convolutionAlgorithm == .direct {
            convolveDirect(index, layer, input: input, output: output, count: count, height: height, width: width)
            return
        }
        guard let columns = columnsBySize[height * 65536 + width] else {
            preconditionFailure("no column table for \(height)x\(width)")
        }
        let n = count * height * width
        let panels = (n + 15) / 16
        let weights = convolutionWeights[index]
        convolutionBiases[index].withUnsafePointer { bias in
            input.withUnsafePointer { source in
                output.withUnsafeMutablePointer { destination in
                    pool.run { t, threads in
                        packBuffers[t].withUnsafeMutablePointer { pack in
                            ConvolutionGEMM.run(
                                input: source, inputChannels: layer.inputChannels, columns: columns, columnCount: n,
                                weights: weights, bias: bias, relu: true, output: destination,
                                panelRange: ThreadPool.slice(panels, thread: t, of: threads), packBuffer: pack)
                        }
                    }
                }
            }
        }
    }

    /// The reference path: CNHW → NCHW, direct convolution, back. Allocates; tests only.
    private func convolveDirect(
        _ index: Int, _ layer: VGGArchitecture.Convolution, input: AlignedBuffer, output: AlignedBuffer,
        count: Int, height: Int, width: Int
    ) {
        let plane = height * width
        let cin = layer.inputChannels
        let cout = layer.outputChannels
        var nchw = [Float](repeating: 0, count: count * cin * plane)
        input.withUnsafePointer { source in
            for image in 0..<count {
                for c in 0..<cin {
                    for p in 0..<plane { nchw[(image * cin + c) * plane + p] = source[(c * count + image) * plane + p] }
                }
            }
        }
        let result = ReferenceKernels.convolution3x3(
            input: nchw, batch: count, channels: cin, height: height, width: width,
            weight: directWeights[index].weight, bias: directWeights[index].bias, outputChannels: cout, relu: true)
        output.withUnsafeMutablePointer { destination in
            for image in 0..<count {
                for c in 0..<cout {
                    for p in 0..<plane { destination[(c * count + image) * plane + p] = result[(image * cout + c) * plane + p] }
                }
            }
        }
    }

    /// CNHW pool5 → one row per image, flattened in C, H, W order (torchvision's `flatten`).
    private func flattenForLinear(_ activations: AlignedBuffer, channels: Int, pixels: Int, count: Int) {
        activations.withUnsafePointer { source in
            linearA.withUnsafeMutablePointer { destination in
                for image in 0..<count {
                    for c in 0..<channels {
                        (destination + (image * channels + c) * pixels).update(from: source + (c * count + image) * pixels, count: pixels)
                    }
                }
            }
        }
    }

    private func runLinear(_ index: Int, _ layer: VGGArchitecture.FullyConnected, input: AlignedBuffer, output: AlignedBuffer, count: Int) {
        let weights = linearWeights[index]
        let panels = (layer.outputs + 15) / 16
        linearBiases[index].withUnsafePointer { bias in
            input.withUnsafePointer { source in
                output.withUnsafeMutablePointer { destination in
                    pool.run { t, threads in
                        packBuffers[t].withUnsafeMutablePointer { pack in
                            LinearGEMM.run(
                                input: source, rows: count, weights: weights, bias: bias, relu: layer.relu,
                                output: destination, panelRange: ThreadPool.slice(panels, thread: t, of: threads),
                                packBuffer: pack)
                        }
                    }
                }
            }
        }
    }
}
