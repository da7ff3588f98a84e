import Foundation
import VGGCommon
import VGGEngine
import VGGModel
import _VGGTestSupport

/// A golden file written by scripts/make_engine_goldens.py with ONNX Runtime.
struct Golden {
    let file: SafetensorsFile

    init(_ name: String) throws {
        file = try SafetensorsFile(path: FixturePaths.repositoryRoot
            .appendingPathComponent("Tests/VGGEngineTests/Fixtures/\(name)").path)
    }

    func values(_ tensor: String) throws -> [Float] { try file.floats(tensor) }
    func shape(_ tensor: String) -> [Int] { file.tensors[tensor]?.shape ?? [] }
}

/// Largest absolute difference divided by the largest reference magnitude (normwise error).
func normwiseError(_ actual: [Float], _ expected: [Float]) -> Double {
    precondition(actual.count == expected.count, "sizes differ: \(actual.count) vs \(expected.count)")
    var largestDifference: Double = 0
    var largestValue: Double = 0
    for (a, e) in zip(actual, expected) {
        largestDifference = max(largestDifference, abs(Double(a) - Double(e)))
        largestValue = max(largestValue, abs(Double(e)))
    }
    return largestValue == 0 ? largestDifference : largestDifference / largestValue
}

/// ‖actual − expected‖ / ‖expected‖.
func relativeL2Error(_ actual: [Float], _ expected: [Float]) -> Double {
    precondition(actual.count == expected.count, "sizes differ: \(actual.count) vs \(expected.count)")
    var difference = 0.0
    var norm = 0.0
    for (a, e) in zip(actual, expected) {
        difference += (Double(a) - Double(e)) * (Double(a) - Double(e))
        norm += Double(e) * Double(e)
    }
    return norm == 0 ? difference.squareRoot() : (difference / norm).squareRoot()
}

/// Cosine similarity of two vectors.
func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    var dot: Double = 0
    var na: Double = 0
    var nb: Double = 0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// Seeded uniform values in [-1, 1).
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float(generator.nextUnit() * 2 - 1) }
}

/// NCHW → CNHW.
func toCNHW(_ values: [Float], batch: Int, channels: Int, pixels: Int) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    for b in 0..<batch { for c in 0..<channels { for p in 0..<pixels { out[(c * batch + b) * pixels + p] = values[(b * channels + c) * pixels + p] } } }
    return out
}

/// CNHW → NCHW.
func toNCHW(_ values: [Float], batch: Int, channels: Int, pixels: Int) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    for b in 0..<batch { for c in 0..<channels { for p in 0..<pixels { out[(b * channels + c) * pixels + p] = values[(c * batch + b) * pixels + p] } } }
    return out
}

/// The kernel sets the tests sweep: the one `VGGBATCH_ISA` names, else every set this CPU
/// runs (the portable one and, on x86-64 with AVX2, the AVX2 and AVX-512-on-AVX2 ones, and
/// the native AVX-512 one where the CPU has it).
let testedKernels: [KernelSet] = {
    let environment = ProcessInfo.processInfo.environment
    if !(environment[KernelSet.environmentVariable] ?? "").isEmpty, let named = try? KernelSet.fromEnvironment(environment) {
        return [named]
    }
    return KernelSet.available
}()

/// The nearest bfloat16 of `x` (ties to even), as a float: what the engine's conversions give.
func bfloat16(_ x: Float) -> Float {
    let bits = x.bitPattern
    return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
}

/// The first-layer kernel on NCHW input, written to the blocked layout and read back as NCHW.
func fastSmallInput(
    input: [Float], batch: Int, channels: Int, height: Int, width: Int, weight: [Float], bias: [Float], outputChannels: Int,
    threads: Int, kernels: KernelSet
) -> [Float] {
    let lanes = kernels.lanes
    let weights = SmallInputConvolution.Weights(
        weight: weight, bias: bias, inputChannels: channels, outputChannels: outputChannels, kernels: kernels)
    let blocks = BlockedLayout.paddedChannels(outputChannels, block: lanes) / lanes
    let destination = AlignedBuffer(count: BlockedLayout.count(channels: outputChannels, batch: batch, height: height, width: width, block: lanes))
    let scratch = (0..<threads).map { _ in AlignedBuffer(count: SmallInputConvolution.scratchCount(channels: channels, width: width)) }
    input.withUnsafeBufferPointer { images in
        SmallInputConvolution.run(
            on: ThreadPool(threadCount: threads), images: images.baseAddress!, count: batch, height: height, width: width, weights: weights,
            outputBlocks: blocks, output: destination, scratch: scratch, kernels: kernels)
    }
    let pixels = height * width
    let result = AlignedBuffer(count: outputChannels * batch * pixels)
    destination.withUnsafePointer { y in
        result.withUnsafeMutablePointer { r in
            BlockedLayout.toPlanes(y, channels: outputChannels, batch: batch, pixels: pixels, block: lanes, into: r, blockRange: 0..<blocks)
        }
    }
    return toNCHW(result.array, batch: batch, channels: outputChannels, pixels: pixels)
}

/// The tiny configuration-D network of the golden files (input 3×64×48).
let tinyArchitecture = VGGArchitecture.configurationD(
    convolutionChannels: [4, 4, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16],
    hiddenWidth: 24, classes: 10, inputHeight: 64, inputWidth: 48)

/// Runs the fast 3×3 convolution on NCHW input through the engine's kernels.
func fastConvolution(
    input: [Float], batch: Int, channels: Int, height: Int, width: Int,
    weight: [Float], bias: [Float], outputChannels: Int, relu: Bool, threads: Int = 1, tableBatch: Int? = nil,
    kernels: KernelSet
) -> [Float] {
    let pixels = height * width
    let n = batch * pixels
    let packed = PackedMatrixA(rows: outputChannels, depth: channels * 9, mr: kernels.mr) { row, k in weight[row * channels * 9 + k] }
    let columns = ConvolutionColumns(batch: tableBatch ?? batch, height: height, width: width, nr: kernels.nr)
    let values = toCNHW(input, batch: batch, channels: channels, pixels: pixels)
    let source = AlignedBuffer(count: values.count, padding: columns.requiredPadding)
    source.withUnsafeMutablePointer { $0.update(from: values, count: values.count) }
    let destination = AlignedBuffer(count: outputChannels * n)
    let biasBuffer = AlignedBuffer(bias)
    let pool = ThreadPool(threadCount: threads)
    let packs = (0..<threads).map { _ in AlignedBuffer(count: ConvolutionGEMM.packCount) }
    ConvolutionGEMM.run(
        on: pool, input: source, inputChannels: channels, columns: columns, columnCount: n, weights: packed, bias: biasBuffer,
        relu: relu, output: destination, packBuffers: packs, kernels: kernels)
    return toNCHW(destination.array, batch: batch, channels: outputChannels, pixels: pixels)
}

/// Runs the fast fully connected kernel.
func fastLinear(
    input: [Float], rows: Int, inputs: Int, weight: [Float], bias: [Float], outputs: Int, relu: Bool, threads: Int = 1,
    precision: EngineOptions.LinearPrecision = .float32, kernels: KernelSet
) -> [Float] {
    let packed = LinearGEMM.Weights(precision: precision, depth: inputs, columns: outputs, kernels: kernels) { k, column in
        weight[column * inputs + k]
    }
    let destination = AlignedBuffer(count: rows * outputs)
    let packs = (0..<threads).map { _ in AlignedBuffer(count: LinearGEMM.packCount(rows: rows, kernels: kernels)) }
    LinearGEMM.run(
        on: ThreadPool(threadCount: threads), input: AlignedBuffer(input), rows: rows, weights: packed, bias: AlignedBuffer(bias),
        relu: relu, output: destination, packBuffers: packs, kernels: kernels)
    return destination.array
}

/// Runs the Winograd 3×3 convolution (and the fused 2×2 max-pool when `pool`) on NCHW input
/// through the blocked layout, returning NCHW output.
func fastWinograd(
    input: [Float], batch: Int, channels: Int, height: Int, width: Int,
    weight: [Float], bias: [Float], outputChannels: Int, pool: Bool, threads: Int = 1, kernels: KernelSet, storage: WinogradWeights.Storage = .float32
) -> [Float] {
    let pixels = height * width
    let lanes = kernels.lanes
    let weights = WinogradWeights(weight: weight, inputChannels: channels, outputChannels: outputChannels, kernels: kernels, storage: storage)
    let shape = WinogradConvolution.Shape(batch: batch, height: height, width: width, pool: pool)
    let planes = AlignedBuffer(toCNHW(input, batch: batch, channels: channels, pixels: pixels))
    let source = AlignedBuffer(count: BlockedLayout.count(channels: channels, batch: batch, height: height, width: width, block: lanes))
    planes.withUnsafePointer { p in
        source.withUnsafeMutablePointer { s in
            BlockedLayout.fromPlanes(
                p, channels: channels, batch: batch, pixels: pixels, block: lanes, into: s,
                blockRange: 0..<(BlockedLayout.paddedChannels(channels, block: lanes) / lanes))
        }
    }
    let outPixels = shape.outputHeight * shape.outputWidth
    let destination = AlignedBuffer(count: BlockedLayout.count(
        channels: outputChannels, batch: batch, height: shape.outputHeight, width: shape.outputWidth, block: lanes))
    let biasBuffer = AlignedBuffer(bias, zeroPaddedTo: kernels.nr)
    let pool = ThreadPool(threadCount: threads)
    let scratch = (0..<threads).map { _ in
        AlignedBuffer(count: WinogradConvolution.scratchCount(inputChannels: channels, outputChannels: outputChannels, kernels: kernels))
    }
    WinogradConvolution.run(
        on: pool, input: source, weights: weights, bias: biasBuffer, shape: shape, output: destination, scratch: scratch, kernels: kernels)
    let result = AlignedBuffer(count: outputChannels * batch * outPixels)
    destination.withUnsafePointer { y in
        result.withUnsafeMutablePointer { r in
            BlockedLayout.toPlanes(
                y, channels: outputChannels, batch: batch, pixels: outPixels, block: lanes, into: r,
                blockRange: 0..<(BlockedLayout.paddedChannels(outputChannels, block: lanes) / lanes))
        }
    }
    return toNCHW(result.array, batch: batch, channels: outputChannels, pixels: outPixels)
}
