import VGGCommon
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
    /// The instruction set's kernels, and the layouts they need.
    public var kernels: KernelSet { options.kernels }

    /// Processor seconds the engine's threads have spent computing, over the network's life.
    public var cpuSeconds: Double { pool.cpuSeconds }

    private let pool: ThreadPool
    /// Each convolution's weights in the form its algorithm needs.
    private let convolutionKernels: [ConvolutionKernel]
    /// Biases, zero-padded to a multiple of the tile width.
    private let convolutionBiases: [AlignedBuffer]
    private let linearWeights: [LinearGEMM.Weights]
    private let linearBiases: [AlignedBuffer]
    private var columnsBySize: [Int: ConvolutionColumns] = [:]
    private let activationA: AlignedBuffer
    private let activationB: AlignedBuffer
    private let linearA: AlignedBuffer
    private let linearB: AlignedBuffer
    private let packBuffers: [AlignedBuffer]
    /// Per-thread Winograd chunk buffers (empty when no layer uses Winograd).
    private let winogradScratch: [AlignedBuffer]

    /// A convolution's weights, by algorithm.
    private enum ConvolutionKernel {
        case direct(LayerWeights)
        case gemm(PackedMatrixA)
        case winograd(WinogradWeights)
        /// The first layer, from the input images straight into the blocked layout.
        case smallInput(SmallInputConvolution.Weights)
    }

    /// Packs every layer from `source`, one layer at a time (the source may release each layer
    /// once packed), and allocates the buffers for `options.maxBatchSize` images.
    public init(source: some WeightSource, options: EngineOptions = EngineOptions()) throws(ModelError) {
        let architecture = source.architecture
        self.architecture = architecture
        self.options = options
        pool = ThreadPool(threadCount: options.threads)
        let kernels = options.kernels
        let winogradChannels: (input: Int, output: Int)?
        (convolutionKernels, convolutionBiases, winogradChannels) = try Self.packConvolutions(source, options: options)
        (linearWeights, linearBiases) = try Self.packLinear(source, options: options)

        // Buffers: the largest activation of any layer.
        let batch = options.maxBatchSize
        var largest = architecture.inputChannels * architecture.inputHeight * architecture.inputWidth
        var height = architecture.inputHeight
        var width = architecture.inputWidth
        var sizes = Set<Int>()
        for layer in architecture.layers {
            switch layer {
            case .convolution(let c):
                largest = max(largest, BlockedLayout.count(
                    channels: max(c.inputChannels, c.outputChannels), batch: 1, height: height, width: width, block: kernels.lanes))
                sizes.insert(height * 65536 + width)
            case .maxPool:
                height /= 2
                width /= 2
            case .fullyConnected: break
            }
        }
        // Padding: packing reads up to a row and a panel past either end of the planes.
        let padding = architecture.inputWidth + 2 * kernels.nr
        activationA = AlignedBuffer(count: largest * batch, padding: padding)
        activationB = AlignedBuffer(count: largest * batch, padding: padding)
        let widest = architecture.fullyConnected.map { max($0.inputs, $0.outputs) }.max() ?? 0
        linearA = AlignedBuffer(count: widest * batch)
        linearB = AlignedBuffer(count: widest * batch)
        let packFloats = max(ConvolutionGEMM.packCount, LinearGEMM.packCount(rows: batch, kernels: kernels))
        packBuffers = (0..<options.threads).map { _ in AlignedBuffer(count: packFloats) }
        winogradScratch = winogradChannels.map { channels in
            (0..<options.threads).map { _ in
                AlignedBuffer(count: WinogradConvolution.scratchCount(inputChannels: channels.input, outputChannels: channels.output, kernels: kernels))
            }
        } ?? []
        for size in sizes {
            columnsBySize[size] = ConvolutionColumns(batch: batch, height: size / 65536, width: size % 65536, nr: kernels.nr)
        }
    }

    /// Every convolution packed for its algorithm, with its bias, and the widest Winograd
    /// layer's channels (for the scratch buffers); each layer is released once packed.
    private static func packConvolutions(
        _ source: some WeightSource, options: EngineOptions
    ) throws(ModelError) -> ([ConvolutionKernel], [AlignedBuffer], (input: Int, output: Int)?) {
        let kernels = options.kernels
        var convolution = [ConvolutionKernel]()
        var biases = [AlignedBuffer]()
        var winogradChannels: (input: Int, output: Int)?
        for (index, layer) in source.architecture.convolutions.enumerated() {
            let weights = try source.convolution(index)
            let depth = layer.inputChannels * 9
            switch options.algorithm(inputChannels: layer.inputChannels) {
            case .direct:
                convolution.append(.direct(weights))
            case .winograd:
                convolution.append(.winograd(WinogradWeights(
                    weight: weights.weight, inputChannels: layer.inputChannels, outputChannels: layer.outputChannels, kernels: kernels,
                    storage: options.winogradStorage(convolution: index))))
                winogradChannels = (
                    max(winogradChannels?.input ?? 0, layer.inputChannels), max(winogradChannels?.output ?? 0, layer.outputChannels))
            case .gemm where index == 0 && options.convolutionAlgorithm != .gemm
                && layer.inputChannels <= SmallInputConvolution.maximumInputChannels:
                convolution.append(.smallInput(SmallInputConvolution.Weights(
                    weight: weights.weight, bias: weights.bias, inputChannels: layer.inputChannels, outputChannels: layer.outputChannels,
                    kernels: kernels)))
            case .gemm, .auto:
                convolution.append(.gemm(PackedMatrixA(rows: layer.outputChannels, depth: depth, mr: kernels.mr) { row, k in
                    weights.weight[row * depth + k]
                }))
            }
            biases.append(AlignedBuffer(weights.bias, zeroPaddedTo: kernels.nr))
            source.release(convolution: index)
        }
        return (convolution, biases, winogradChannels)
    }

    /// Every fully connected layer packed in `options.linearPrecision`, with its bias.
    private static func packLinear(_ source: some WeightSource, options: EngineOptions) throws(ModelError) -> ([LinearGEMM.Weights], [AlignedBuffer]) {
        let kernels = options.kernels

        var linear = [LinearGEMM.Weights]()
        var linearBias = [AlignedBuffer]()
        for (index, layer) in source.architecture.fullyConnected.enumerated() {
            let weights = try source.fullyConnected(index)
            let inputs = layer.inputs
            linear.append(LinearGEMM.Weights(precision: options.linearPrecision, depth: inputs, columns: layer.outputs, kernels: kernels) { k, column in
                weights.weight[column * inputs + k]
            })
            linearBias.append(AlignedBuffer(weights.bias))
            source.release(fullyConnected: index)
        }
        return (linear, linearBias)

    }

    /// What a batch gives back, per image: the feature vector (fc7 after its ReLU, or pool5
    /// flattened for a convolutions-only network), the class probabilities (empty then) and
    /// the GeM and R-MAC descriptors of the last convolution (`PooledDescriptors`).
    public struct BatchOutputs: Sendable {
        public let count: Int
        public let featureWidth: Int
        public let classCount: Int
        /// count × featureWidth.
        public let features: [Float]
        /// count × classCount.
        public let probabilities: [Float]
        /// Width of each pooled descriptor: the last convolution's channel count.
        public let descriptorWidth: Int
        /// count × descriptorWidth each, unit vectors.
        public let gem: [Float]
        public let rmac: [Float]

        public func features(of image: Int) -> ArraySlice<Float> {
            features[(image * featureWidth)..<((image + 1) * featureWidth)]
        }

        public func gem(of image: Int) -> ArraySlice<Float> {
            gem[(image * descriptorWidth)..<((image + 1) * descriptorWidth)]
        }

        public func rmac(of image: Int) -> ArraySlice<Float> {
            rmac[(image * descriptorWidth)..<((image + 1) * descriptorWidth)]
        }

        public func probabilities(of image: Int) -> ArraySlice<Float> {
            probabilities[(image * classCount)..<((image + 1) * classCount)]
        }
    }

    /// Runs `count` images (1...maxBatchSize) through the network: `inputs` holds them one
    /// after another, each C × H × W, preprocessed for the weights.
    public func forward(_ inputs: [Float], count: Int) -> BatchOutputs {
        let a = architecture
        precondition(inputs.count == count * a.inputChannels * a.inputHeight * a.inputWidth, "inputs are not \(count) images")
        var features = [Float](repeating: 0, count: count * a.featureWidth)
        var probabilities = [Float](repeating: 0, count: count * a.classCount)
        let shape = a.lastConvolutionShape
        let mapFloats = shape.channels * shape.height * shape.width
        var maps = [Float](repeating: 0, count: count * mapFloats)
        inputs.withUnsafeBufferPointer { x in
            features.withUnsafeMutableBufferPointer { f in
                probabilities.withUnsafeMutableBufferPointer { p in
                    maps.withUnsafeMutableBufferPointer { m in
                        // Safe: the buffers hold exactly the floats `forward` reads and writes.
                        guard let input = x.baseAddress else { return }
                        forward(
                            images: input, count: count, fc7: f.baseAddress, probabilities: a.classCount > 0 ? p.baseAddress : nil,
                            lastConvolution: m.baseAddress)
                    }
                }
            }
        }
        var gem = [Float](repeating: 0, count: count * shape.channels)
        var rmac = [Float](repeating: 0, count: count * shape.channels)
        maps.withUnsafeBufferPointer { m in
            gem.withUnsafeMutableBufferPointer { g in
                rmac.withUnsafeMutableBufferPointer { r in
                    // Safe: `maps` holds count maps of mapFloats, the outputs count × channels.
                    guard let maps = m.baseAddress, let gem = g.baseAddress, let rmac = r.baseAddress else { return }
                    pool.run { t, threads in
                        for image in ThreadPool.slice(count, thread: t, of: threads) {
                            let map = maps + image * mapFloats
                            PooledDescriptors.gem(map, channels: shape.channels, height: shape.height, width: shape.width, into: gem + image * shape.channels)
                            PooledDescriptors.rmac(map, channels: shape.channels, height: shape.height, width: shape.width, into: rmac + image * shape.channels)
                        }
                    }
                }
            }
        }
        return BatchOutputs(
            count: count, featureWidth: a.featureWidth, classCount: a.classCount, features: features, probabilities: probabilities,
            descriptorWidth: shape.channels, gem: gem, rmac: rmac)
    }

    /// Runs `count` images (1...maxBatchSize) through the network.
    ///
    /// - images: `count` × C × H × W floats, each image CHW, preprocessed for the weights.
    /// - fc7: `count` × featureWidth floats (after fc7's ReLU; pool5 flattened for a
    ///   convolutions-only network), or nil.
    /// - logits: `count` × classCount floats (fc8's output), or nil.
    /// - probabilities: `count` × classCount floats (softmax of the logits), or nil.
    /// - lastConvolution: `count` × C × H × W floats, the last convolution's output after its
    ///   ReLU and before its pool (conv5_3), or nil.
    /// - layerSeconds: if given, `architecture.layers.count` doubles to which each layer's
    ///   wall time is added (for per-layer benchmarks).
    /// Each image's results depend only on that image: never on the batch or thread count.
    public func forward(
        images: UnsafePointer<Float>, count: Int,
        fc7: UnsafeMutablePointer<Float>? = nil, logits: UnsafeMutablePointer<Float>? = nil,
        probabilities: UnsafeMutablePointer<Float>? = nil, lastConvolution: UnsafeMutablePointer<Float>? = nil,
        layerSeconds: UnsafeMutablePointer<Double>? = nil
    ) {
        run(
            images: images, count: count, outputs: Outputs(fc7: fc7, logits: logits, probabilities: probabilities, lastConvolution: lastConvolution),
            layerSeconds: layerSeconds, recorder: nil)
    }

    /// Every layer's output for `count` images (CHW each, preprocessed for the weights), in
    /// network order: convolutions after their ReLU, each pool, fc6 and fc7 after their ReLU,
    /// fc8's logits; `count` × C × H × W floats per layer (fully connected: `count` × units).
    /// No pool is fused into a convolution here, so every convolution's own output exists.
    /// One copy per layer (60 MB an image for VGG16): for `explain`, not for scans.
    public func forwardKeepingActivations(_ inputs: [Float], count: Int) -> [[Float]] {
        let a = architecture
        precondition(inputs.count == count * a.inputChannels * a.inputHeight * a.inputWidth, "inputs are not \(count) images")
        let recorder = ActivationRecorder()
        inputs.withUnsafeBufferPointer { x in
            // Safe: the buffer holds exactly the images `run` reads.
            guard let images = x.baseAddress else { return }
            run(images: images, count: count, outputs: Outputs(), layerSeconds: nil, recorder: recorder)
        }
        return recorder.layers
    }

    /// Where `forward` writes what was asked for.
    private struct Outputs {
        var fc7: UnsafeMutablePointer<Float>?
        var logits: UnsafeMutablePointer<Float>?
        var probabilities: UnsafeMutablePointer<Float>?
        var lastConvolution: UnsafeMutablePointer<Float>?
    }

    /// Each layer's output, as `forwardKeepingActivations` returns them.
    private final class ActivationRecorder {
        var layers = [[Float]]()
    }

    private func run(
        images: UnsafePointer<Float>, count: Int, outputs: Outputs, layerSeconds: UnsafeMutablePointer<Double>?, recorder: ActivationRecorder?
    ) {
        let (fc7, logits, probabilities, lastConvolution) = (outputs.fc7, outputs.logits, outputs.probabilities, outputs.lastConvolution)
        precondition(count >= 1 && count <= options.maxBatchSize, "batch of \(count) outside 1...\(options.maxBatchSize)")
        let a = architecture
        var pass = Pass(channels: a.inputChannels, height: a.inputHeight, width: a.inputWidth, current: activationA, spare: activationB)
        pass.keepsEveryOutput = recorder != nil
        // Per-image CHW → CNHW (a first layer that reads the images itself needs none).
        if case .smallInput = convolutionKernels.first {} else {
            let (channels, plane) = (pass.channels, pass.height * pass.width)
            pass.current.withUnsafeMutablePointer { destination in
                for image in 0..<count {
                    for c in 0..<channels {
                        (destination + (c * count + image) * plane).update(from: images + (image * channels + c) * plane, count: plane)
                    }
                }
            }
        }
        for (layerIndex, layer) in a.layers.enumerated() {
            let started = layerSeconds == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            defer {
                if let layerSeconds {
                    layerSeconds[layerIndex] += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                }
            }
            switch layer {
            case .convolution(let c):
                runConvolution(c, layerIndex: layerIndex, images: images, count: count, lastConvolution: lastConvolution, pass: &pass)
            case .maxPool:
                runMaxPool(count: count, pass: &pass)
            case .fullyConnected(let f):
                runFullyConnected(f, count: count, fc7: fc7, logits: logits, probabilities: probabilities, pass: &pass)
            }
            if let recorder { recorder.layers.append(record(layer, count: count, pass: pass)) }
        }
        // A convolutions-only network's features are pool5, flattened C, H, W.
        if a.fullyConnected.isEmpty, let fc7 {
            flatten(pass.current, blocked: pass.blocked, channels: pass.channels, pixels: pass.height * pass.width, count: count, into: fc7)
        }
    }

    /// Where a batch is between layers: its shape, which buffer holds it and in what layout.
    private struct Pass {
        var channels: Int
        var height: Int
        var width: Int
        var current: AlignedBuffer
        var spare: AlignedBuffer
        /// Whether `current` holds the channel-blocked layout (Winograd layers) rather than CNHW.
        var blocked = false
        /// Whether the last convolution pooled its output already.
        var poolFused = false
        var convolutionIndex = 0
        var linearIndex = 0
        /// Whether every layer's output must exist on its own (no pool fused into a convolution).
        var keepsEveryOutput = false

        init(channels: Int, height: Int, width: Int, current: AlignedBuffer, spare: AlignedBuffer) {
            self.channels = channels
            self.height = height
            self.width = width
            self.current = current
            self.spare = spare
        }

        /// The layer wrote `spare`: it holds the batch now.
        mutating func advance() { swap(&current, &spare) }
    }

    /// Brings the batch into the layout the next layer needs, through the spare buffer.
    private func useLayout(blocked wanted: Bool, count: Int, pass: inout Pass) {
        guard wanted != pass.blocked else { return }
        convertLayout(pass.current, pass.spare, toBlocked: wanted, channels: pass.channels, count: count, pixels: pass.height * pass.width)
        pass.advance()
        pass.blocked = wanted
    }

    private func runConvolution(
        _ c: VGGArchitecture.Convolution, layerIndex: Int, images: UnsafePointer<Float>, count: Int,
        lastConvolution: UnsafeMutablePointer<Float>?, pass: inout Pass
    ) {
        let kernel = convolutionKernels[pass.convolutionIndex]
        defer { pass.convolutionIndex += 1 }
        if case .smallInput(let weights) = kernel {
            SmallInputConvolution.run(
                on: pool, images: images, count: count, height: pass.height, width: pass.width, weights: weights,
                outputBlocks: BlockedLayout.paddedChannels(c.outputChannels, block: kernels.lanes) / kernels.lanes,
                output: pass.spare, scratch: packBuffers, kernels: kernels)
            pass.advance()
            pass.blocked = true
            pass.channels = c.outputChannels
            return
        }
        let isWinograd: Bool
        if case .winograd = kernel { isWinograd = true } else { isWinograd = false }
        useLayout(blocked: isWinograd, count: count, pass: &pass)
        // Winograd fuses the 2×2 max-pool that follows into its output transform, except
        // after the last convolution when its unpooled output is wanted.
        let a = architecture
        let keepOutput = lastConvolution != nil && pass.convolutionIndex == a.convolutions.count - 1
        pass.poolFused = isWinograd && !keepOutput && !pass.keepsEveryOutput && layerIndex + 1 < a.layers.count
            && a.layers[layerIndex + 1] == .maxPool
        convolve(
            pass.convolutionIndex, kernel, c, input: pass.current, output: pass.spare,
            shape: (count: count, height: pass.height, width: pass.width), fusingPool: pass.poolFused)
        pass.advance()
        pass.channels = c.outputChannels
        if keepOutput, let lastConvolution {
            flatten(pass.current, blocked: pass.blocked, channels: pass.channels, pixels: pass.height * pass.width, count: count, into: lastConvolution)
        }
        if pass.poolFused {
            pass.height /= 2
            pass.width /= 2
        }
    }

    private func runMaxPool(count: Int, pass: inout Pass) {
        if pass.poolFused {
            pass.poolFused = false
            return
        }
        useLayout(blocked: false, count: count, pass: &pass)
        let planes = pass.channels * count
        let (h, w) = (pass.height, pass.width)
        pass.current.withUnsafePointer { input in
            pass.spare.withUnsafeMutablePointer { output in
                pool.run { t, threads in
                    MaxPool.pool2x2(input: input, height: h, width: w, output: output, planeRange: ThreadPool.slice(planes, thread: t, of: threads))
                }
            }
        }
        pass.advance()
        pass.height /= 2
        pass.width /= 2
    }

    private func runFullyConnected(
        _ f: VGGArchitecture.FullyConnected, count: Int, fc7: UnsafeMutablePointer<Float>?, logits: UnsafeMutablePointer<Float>?,
        probabilities: UnsafeMutablePointer<Float>?, pass: inout Pass
    ) {
        let index = pass.linearIndex
        defer { pass.linearIndex += 1 }
        if index == 0 {
            let p = pass
            linearA.withUnsafeMutablePointer { flatten(p.current, blocked: p.blocked, channels: p.channels, pixels: p.height * p.width, count: count, into: $0) }
        }
        let input = index % 2 == 0 ? linearA : linearB
        let output = index % 2 == 0 ? linearB : linearA
        runLinear(index, f, input: input, output: output, count: count)
        if index == 1, let fc7 {
            output.withUnsafePointer { fc7.update(from: $0, count: count * f.outputs) }
        }
        if index == 2 {
            output.withUnsafePointer { result in
                logits?.update(from: result, count: count * f.outputs)
                if let probabilities { Softmax.rows(result, rows: count, columns: f.outputs, output: probabilities) }
            }
        }
    }

    /// CNHW ⇄ blocked, from `source` into `destination`, split over channel blocks.
    private func convertLayout(
        _ source: AlignedBuffer, _ destination: AlignedBuffer, toBlocked: Bool, channels: Int, count: Int, pixels: Int
    ) {
        let block = kernels.lanes
        let blocks = BlockedLayout.paddedChannels(channels, block: block) / block
        source.withUnsafePointer { input in
            destination.withUnsafeMutablePointer { output in
                pool.run { t, threads in
                    let range = ThreadPool.slice(blocks, thread: t, of: threads)
                    if toBlocked {
                        BlockedLayout.fromPlanes(input, channels: channels, batch: count, pixels: pixels, block: block, into: output, blockRange: range)
                    } else {
                        BlockedLayout.toPlanes(input, channels: channels, batch: count, pixels: pixels, block: block, into: output, blockRange: range)
                    }
                }
            }
        }
    }

    private func convolve(
        _ index: Int, _ kernel: ConvolutionKernel, _ layer: VGGArchitecture.Convolution, input: AlignedBuffer, output: AlignedBuffer,
        shape: (count: Int, height: Int, width: Int), fusingPool: Bool
    ) {
        let (count, height, width) = shape
        switch kernel {
        case .direct(let weights):
            convolveDirect(weights, layer, input: input, output: output, count: count, height: height, width: width)
        case .winograd(let weights):
            WinogradConvolution.run(
                on: pool, input: input, weights: weights, bias: convolutionBiases[index],
                shape: WinogradConvolution.Shape(batch: count, height: height, width: width, pool: fusingPool),
                output: output, scratch: winogradScratch, kernels: kernels)
        case .smallInput:
            preconditionFailure("the first layer reads the input images (see forward)")
        case .gemm(let weights):
            guard let columns = columnsBySize[height * 65536 + width] else {
                preconditionFailure("no column table for \(height)x\(width)")
            }
            ConvolutionGEMM.run(
                on: pool, input: input, inputChannels: layer.inputChannels, columns: columns, columnCount: count * height * width,
                weights: weights, bias: convolutionBiases[index], relu: true, output: output, packBuffers: packBuffers, kernels: kernels)
        }
    }

    /// The reference path: CNHW → NCHW, direct convolution, back. Allocates; tests only.
    private func convolveDirect(
        _ weights: LayerWeights, _ layer: VGGArchitecture.Convolution, input: AlignedBuffer, output: AlignedBuffer,
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
            weight: weights.weight, bias: weights.bias, outputChannels: cout, relu: true)
        output.withUnsafeMutablePointer { destination in
            for image in 0..<count {
                for c in 0..<cout {
                    for p in 0..<plane { destination[(c * count + image) * plane + p] = result[(image * cout + c) * plane + p] }
                }
            }
        }
    }

    /// pool5 → one row per image, flattened in C, H, W order (torchvision's `flatten`).
    private func flatten(
        _ activations: AlignedBuffer, blocked: Bool, channels: Int, pixels: Int, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        activations.withUnsafePointer { source in
            if blocked {
                BlockedLayout.flatten(source, channels: channels, batch: count, pixels: pixels, block: kernels.lanes, into: destination)
                return
            }
            for image in 0..<count {
                for c in 0..<channels {
                    (destination + (image * channels + c) * pixels).update(from: source + (c * count + image) * pixels, count: pixels)
                }
            }
        }
    }

    /// The layer just run, out of the pass: count × C × H × W floats (fully connected: its
    /// output rows, which the linear layers keep in `linearA`/`linearB` by turns).
    private func record(_ layer: VGGArchitecture.Layer, count: Int, pass: Pass) -> [Float] {
        if case .fullyConnected(let f) = layer {
            let output = (pass.linearIndex - 1) % 2 == 0 ? linearB : linearA
            return output.withUnsafePointer { Array(UnsafeBufferPointer(start: $0, count: count * f.outputs)) }
        }
        let floats = count * pass.channels * pass.height * pass.width
        return [Float](unsafeUninitializedCapacity: floats) { buffer, initialized in
            // Safe: `flatten` writes exactly count × C × H × W floats.
            if let base = buffer.baseAddress {
                flatten(pass.current, blocked: pass.blocked, channels: pass.channels, pixels: pass.height * pass.width, count: count, into: base)
            }
            initialized = floats
        }
    }

    private func runLinear(_ index: Int, _ layer: VGGArchitecture.FullyConnected, input: AlignedBuffer, output: AlignedBuffer, count: Int) {
        LinearGEMM.run(
            on: pool, input: input, rows: count, weights: linearWeights[index], bias: linearBiases[index], relu: layer.relu,
            output: output, packBuffers: packBuffers, kernels: kernels)
    }
}
