import ArgumentParser
import Foundation
import VGGCommon
import VGGEngine
import VGGModel

/// Every VGG16 convolution at full size, run by each fast algorithm on the same data: time per
/// layer, effective GFLOP/s, and the error against the Double-precision reference kernel.
struct LayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "Per-layer time and error of the GEMM and Winograd convolutions on VGG16's 13 layer shapes.")

    @Option(help: "Images per batch.") var batch = 8
    @Option(help: "Engine threads.") var threads = 2
    @Option(help: "Timed repetitions per layer and algorithm (median reported).") var repetitions = 5
    @Option(help: "Output channels of image 0 checked against the reference (all of them is slow).")
    var checkChannels = 8
    @Flag(help: "Print one JSON object per layer instead of a table.") var json = false
    @OptionGroup var kernelOptions: KernelOptions

    struct Row: Encodable {
        var layer: String
        var inputChannels: Int
        var outputChannels: Int
        var size: Int
        var pool: Bool
        var gemmMilliseconds: Double
        var winogradMilliseconds: Double
        var gemmGFLOPs: Double
        var winogradGFLOPs: Double
        var gemmError: Double
        var winogradError: Double
        var winogradRelativeL2: Double
    }

    func run() throws {
        let architecture = VGGArchitecture.vgg16
        let weights = RandomWeights(architecture: architecture, seed: 42)
        let pool = ThreadPool(threadCount: threads)
        let kernels = try kernelOptions.kernels()
        if !json { print("kernels: \(kernels), CPU: \(CPU.name)") }
        var size = architecture.inputHeight
        var rows = [Row]()
        let layers = architecture.layers
        var convolution = 0
        var block = 1
        var inBlock = 1
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .maxPool:
                size /= 2
                block += 1
                inBlock = 1
            case .fullyConnected:
                break
            case .convolution(let c):
                let name = "conv\(block)_\(inBlock)"
                inBlock += 1
                let fusedPool = index + 1 < layers.count && layers[index + 1] == .maxPool
                let layerWeights = try weights.convolution(convolution)
                convolution += 1
                let r = measure(name: name, c, size: size, pool: fusedPool, weights: layerWeights, threads: pool, kernels: kernels)
                rows.append(r)
                if json {
                    print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
                } else {
                    print(String(
                        format: "%@ %3d->%3d %3dx%-3d gemm %7.2f ms %5.1f GFLOP/s | winograd %7.2f ms %5.1f eff. GFLOP/s (%.2fx) | error gemm %.1e winograd %.1e (rel. L2 %.1e)",
                        r.layer, r.inputChannels, r.outputChannels, r.size, r.size, r.gemmMilliseconds, r.gemmGFLOPs,
                        r.winogradMilliseconds, r.winogradGFLOPs, r.gemmMilliseconds / r.winogradMilliseconds,
                        r.gemmError, r.winogradError, r.winogradRelativeL2))
                }
            }
        }
        if !json {
            let gemm = rows.reduce(0) { $0 + $1.gemmMilliseconds }
            let winograd = rows.reduce(0) { $0 + $1.winogradMilliseconds }
            print(String(format: "all 13 convolutions, batch %d: gemm %.1f ms (%.1f ms/img), winograd %.1f ms (%.1f ms/img), %.2fx",
                         batch, gemm, gemm / Double(batch), winograd, winograd / Double(batch), gemm / winograd))
        }
    }

    private func measure(
        name: String, _ c: VGGArchitecture.Convolution, size: Int, pool fusedPool: Bool, weights: LayerWeights, threads pool: ThreadPool,
        kernels: KernelSet
    ) -> Row {
        let (cin, cout) = (c.inputChannels, c.outputChannels)
        let pixels = size * size
        let n = batch * pixels
        // Post-ReLU-like input: uniform [0, 1).
        var generator = SplitMix64(seed: UInt64(cin * 1000 + size))
        let nchw = (0..<(batch * cin * pixels)).map { _ in Float(generator.nextUnit()) }

        // GEMM path (CNHW), plus the separate max-pool it needs.
        let packed = PackedMatrixA(rows: cout, depth: cin * 9, mr: kernels.mr) { row, k in weights.weight[row * cin * 9 + k] }
        let columns = ConvolutionColumns(batch: batch, height: size, width: size, nr: kernels.nr)
        let planes = AlignedBuffer(count: cin * n, padding: columns.requiredPadding)
        planes.withUnsafeMutablePointer { p in
            for image in 0..<batch {
                for channel in 0..<cin {
                    for i in 0..<pixels { p[(channel * batch + image) * pixels + i] = nchw[(image * cin + channel) * pixels + i] }
                }
            }
        }
        let gemmOut = AlignedBuffer(count: cout * n)
        let pooled = AlignedBuffer(count: cout * n / 4)
        let bias = AlignedBuffer(weights.bias, zeroPaddedTo: kernels.nr)
        let packs = (0..<threads).map { _ in AlignedBuffer(count: ConvolutionGEMM.packCount) }
        let gemmSeconds = median(repeating: repetitions) {
            ConvolutionGEMM.run(
                on: pool, input: planes, inputChannels: cin, columns: columns, columnCount: n, weights: packed, bias: bias,
                relu: true, output: gemmOut, packBuffers: packs, kernels: kernels)
            if fusedPool {
                gemmOut.withUnsafePointer { y in
                    pooled.withUnsafeMutablePointer { z in
                        pool.run { t, count in
                            MaxPool.pool2x2(input: y, height: size, width: size, output: z,
                                            planeRange: ThreadPool.slice(cout * batch, thread: t, of: count))
                        }
                    }
                }
            }
        }

        let (winogradSeconds, winogradImages, outPixels) = winograd(
            c, size: size, pool: fusedPool, weights: weights, planes: planes, bias: bias, threads: pool, kernels: kernels)

        // Errors on image 0, the first `checkChannels` output channels, against the reference
        // (pooled when the layer's pool is fused).
        let checked = min(checkChannels, cout)
        let image0 = Array(nchw[0..<(cin * pixels)])
        let reference = ReferenceKernels.convolution3x3(
            input: image0, batch: 1, channels: cin, height: size, width: size,
            weight: Array(weights.weight[0..<(checked * cin * 9)]), bias: Array(weights.bias[0..<checked]),
            outputChannels: checked, relu: true)
        let referencePooled = fusedPool ? ReferenceKernels.maxPool2x2(input: reference, planes: checked, height: size, width: size) : reference
        let gemmValues = gemmOut.array
        let gemmImage0 = (0..<checked).flatMap { k in gemmValues[(k * batch) * pixels..<(k * batch + 1) * pixels] }
        let winogradImage0 = Array(winogradImages[0..<(checked * outPixels)])
        let flops = 2.0 * Double(cout * cin * 9 * n)
        return Row(
            layer: name, inputChannels: cin, outputChannels: cout, size: size, pool: fusedPool,
            gemmMilliseconds: gemmSeconds * 1000, winogradMilliseconds: winogradSeconds * 1000,
            gemmGFLOPs: flops / gemmSeconds / 1e9, winogradGFLOPs: flops / winogradSeconds / 1e9,
            gemmError: Self.normwise(gemmImage0, reference), winogradError: Self.normwise(winogradImage0, referencePooled),
            winogradRelativeL2: Self.relativeL2(winogradImage0, referencePooled))
    }

    /// The Winograd path (blocked layout, pool fused when asked) on the same CNHW planes: its
    /// median time, its output images flattened, and their pixels each.
    private func winograd(
        _ c: VGGArchitecture.Convolution, size: Int, pool fusedPool: Bool, weights: LayerWeights, planes: AlignedBuffer,
        bias: AlignedBuffer, threads pool: ThreadPool, kernels: KernelSet
    ) -> (seconds: Double, images: [Float], outPixels: Int) {
        let (cin, cout) = (c.inputChannels, c.outputChannels)
        let pixels = size * size
        let lanes = kernels.lanes
        let transformed = WinogradWeights(weight: weights.weight, inputChannels: cin, outputChannels: cout, kernels: kernels)
        let shape = WinogradConvolution.Shape(batch: batch, height: size, width: size, pool: fusedPool)
        let blocked = AlignedBuffer(count: BlockedLayout.count(channels: cin, batch: batch, height: size, width: size, block: lanes))
        planes.withUnsafePointer { p in
            blocked.withUnsafeMutablePointer { b in
                BlockedLayout.fromPlanes(p, channels: cin, batch: batch, pixels: pixels, block: lanes, into: b,
                                         blockRange: 0..<(BlockedLayout.paddedChannels(cin, block: lanes) / lanes))
            }
        }
        let outPixels = shape.outputHeight * shape.outputWidth
        let winogradOut = AlignedBuffer(count: BlockedLayout.count(
            channels: cout, batch: batch, height: shape.outputHeight, width: shape.outputWidth, block: lanes))
        let scratch = (0..<threads).map { _ in
            AlignedBuffer(count: WinogradConvolution.scratchCount(inputChannels: cin, outputChannels: cout, kernels: kernels))
        }
        let winogradSeconds = median(repeating: repetitions) {
            WinogradConvolution.run(
                on: pool, input: blocked, weights: transformed, bias: bias, shape: shape, output: winogradOut, scratch: scratch,
                kernels: kernels)
        }

        var winogradImages = [Float](repeating: 0, count: batch * cout * outPixels)
        winogradOut.withUnsafePointer { y in
            winogradImages.withUnsafeMutableBufferPointer { rows in
                // Safe: rows holds batch × cout × outPixels floats, what flatten writes.
                guard let base = rows.baseAddress else { return }
                BlockedLayout.flatten(y, channels: cout, batch: batch, pixels: outPixels, block: lanes, into: base)
            }
        }
        return (winogradSeconds, winogradImages, outPixels)
    }

    private func median(repeating count: Int, _ body: () -> Void) -> Double {
        body()  // warm-up
        var times = [Double]()
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    static func normwise(_ a: [Float], _ b: [Float]) -> Double {
        var difference = 0.0
        var largest = 0.0
        for (x, y) in zip(a, b) {
            difference = max(difference, abs(Double(x) - Double(y)))
            largest = max(largest, abs(Double(y)))
        }
        return largest == 0 ? difference : difference / largest
    }

    static func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
        var difference = 0.0
        var norm = 0.0
        for (x, y) in zip(a, b) {
            difference += (Double(x) - Double(y)) * (Double(x) - Double(y))
            norm += Double(y) * Double(y)
        }
        return norm == 0 ? difference.squareRoot() : (difference / norm).squareRoot()
    }
}
