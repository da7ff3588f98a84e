import Testing
import VGGEngine
import VGGModel

/// Each fast kernel against the reference kernels on awkward and real shapes.
@Suite("Kernels against the reference")
struct KernelTests {
    // Tolerance: float32 sums of up to a few thousand products against Double sums; the
    // normwise error of a correct kernel is ~1e-7 (measured 1e-7 to 4e-7); 2e-6 leaves
    // room for longer reductions while any indexing mistake gives errors near 1.
    static let tolerance = 2e-6

    @Test(arguments: [
        (1, 1, 1), (5, 27, 15), (6, 300, 16), (7, 600, 17), (13, 257, 40), (8, 513, 33), (1, 1024, 100),
    ])
    func linearMatchesReference(_ rows: Int, _ inputs: Int, _ outputs: Int) {
        let x = randomValues(rows * inputs, seed: 1)
        let w = randomValues(outputs * inputs, seed: 2)
        let b = randomValues(outputs, seed: 3)
        for relu in [false, true] {
            let fast = fastLinear(input: x, rows: rows, inputs: inputs, weight: w, bias: b, outputs: outputs, relu: relu)
            let reference = ReferenceKernels.linear(input: x, rows: rows, inputs: inputs, weight: w, bias: b, outputs: outputs, relu: relu)
            #expect(normwiseError(fast, reference) < Self.tolerance)
            // Half-precision weights: each rounded by at most 2^-11 relative, so the result is
            // off by ~2^-11 / sqrt(inputs) of its scale; the reference gets the rounded weights.
            let half = fastLinear(input: x, rows: rows, inputs: inputs, weight: w, bias: b, outputs: outputs, relu: relu, precision: .float16)
            let rounded = w.map { Float(Float16($0)) }
            let halfReference = ReferenceKernels.linear(input: x, rows: rows, inputs: inputs, weight: rounded, bias: b, outputs: outputs, relu: relu)
            #expect(normwiseError(half, halfReference) < Self.tolerance)
            #expect(normwiseError(half, reference) < 2e-3)
        }
    }

    struct ConvCase: Sendable, CustomTestStringConvertible {
        let batch, channels, outputs, height, width: Int
        var testDescription: String { "\(batch)x\(channels)->\(outputs) \(height)x\(width)" }
    }

    static let convCases = [
        ConvCase(batch: 1, channels: 1, outputs: 1, height: 1, width: 1),
        ConvCase(batch: 2, channels: 13, outputs: 5, height: 9, width: 7),
        ConvCase(batch: 1, channels: 3, outputs: 16, height: 17, width: 18),
        ConvCase(batch: 3, channels: 16, outputs: 13, height: 6, width: 5),
        ConvCase(batch: 2, channels: 4, outputs: 7, height: 1, width: 5),
        ConvCase(batch: 1, channels: 64, outputs: 12, height: 14, width: 14),  // K = 576: three K blocks
        ConvCase(batch: 2, channels: 3, outputs: 64, height: 32, width: 32),  // conv1_1-like, full 16-column rows
        ConvCase(batch: 1, channels: 30, outputs: 130, height: 20, width: 19),  // M > MC
    ]

    @Test(arguments: convCases)
    func convolutionMatchesReference(_ c: ConvCase) {
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 4)
        let w = randomValues(c.outputs * c.channels * 9, seed: 5)
        let b = randomValues(c.outputs, seed: 6)
        let reference = ReferenceKernels.convolution3x3(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true)
        for threads in [1, 2, 3] {
            let fast = fastConvolution(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, relu: true, threads: threads)
            #expect(normwiseError(fast, reference) < Self.tolerance, "threads \(threads)")
        }
        // A column table built for a larger batch serves a smaller one.
        let fromLargerTable = fastConvolution(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true, tableBatch: c.batch + 2)
        #expect(normwiseError(fromLargerTable, reference) < Self.tolerance)
    }

    // Winograd F(4×4, 3×3) trades exactness for 4× fewer multiplies: its transforms scale
    // values by up to ~10 and back, so float32 rounding gives ~1e-6 relative (L2) and up to
    // ~1e-5 on the largest element; 5e-5 flags any indexing mistake (errors near 1).
    static let winogradTolerance = 5e-5

    static let winogradCases = convCases + [
        ConvCase(batch: 2, channels: 16, outputs: 24, height: 40, width: 40),  // 200 tiles: three chunks
        ConvCase(batch: 1, channels: 8, outputs: 8, height: 4, width: 4),  // one whole tile
        ConvCase(batch: 3, channels: 9, outputs: 17, height: 7, width: 11),  // partial tiles both ways
        // VGG16's channel counts, at spatial sizes a debug build can check against the reference.
        ConvCase(batch: 1, channels: 64, outputs: 64, height: 16, width: 16),
        ConvCase(batch: 2, channels: 64, outputs: 128, height: 8, width: 8),
        ConvCase(batch: 1, channels: 128, outputs: 128, height: 8, width: 8),
        ConvCase(batch: 1, channels: 128, outputs: 256, height: 6, width: 6),
        ConvCase(batch: 1, channels: 256, outputs: 256, height: 5, width: 6),
        ConvCase(batch: 1, channels: 256, outputs: 512, height: 4, width: 4),
        ConvCase(batch: 1, channels: 512, outputs: 512, height: 3, width: 2),
    ]

    @Test(arguments: winogradCases)
    func winogradMatchesReference(_ c: ConvCase) {
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 10)
        let w = randomValues(c.outputs * c.channels * 9, seed: 11)
        let b = randomValues(c.outputs, seed: 12)
        let reference = ReferenceKernels.convolution3x3(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true)
        let pooled = ReferenceKernels.maxPool2x2(
            input: reference, planes: c.batch * c.outputs, height: c.height, width: c.width)
        var single: [Float]?
        for threads in [1, 2, 3] {
            let fast = fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: false, threads: threads)
            #expect(normwiseError(fast, reference) < Self.winogradTolerance, "threads \(threads)")
            // Tiles are computed alone: the thread count cannot change a single bit.
            if let single { #expect(fast == single, "threads \(threads)") } else { single = fast }
        }
        if c.height >= 2 && c.width >= 2 {
            let fastPooled = fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: true, threads: 2)
            #expect(normwiseError(fastPooled, pooled) < Self.winogradTolerance, "fused pool")
        }
    }

    @Test func blockedLayoutRoundTripsAndFlattensLikePlanes() {
        let (channels, batch, pixels) = (13, 3, 10)
        let values = randomValues(channels * batch * pixels, seed: 13)
        let planes = AlignedBuffer(values)
        let blocked = AlignedBuffer(count: BlockedLayout.count(channels: channels, batch: batch, height: 2, width: 5))
        let back = AlignedBuffer(count: values.count)
        var flattened = [Float](repeating: 0, count: values.count)
        planes.withUnsafePointer { p in
            blocked.withUnsafeMutablePointer { b in
                BlockedLayout.fromPlanes(p, channels: channels, batch: batch, pixels: pixels, into: b, blockRange: 0..<2)
            }
        }
        blocked.withUnsafePointer { b in
            back.withUnsafeMutablePointer { BlockedLayout.toPlanes(b, channels: channels, batch: batch, pixels: pixels, into: $0, blockRange: 0..<2) }
            flattened.withUnsafeMutableBufferPointer {
                BlockedLayout.flatten(b, channels: channels, batch: batch, pixels: pixels, into: $0.baseAddress!)
            }
        }
        #expect(back.array == values)
        #expect(flattened == toNCHW(values, batch: batch, channels: channels, pixels: pixels))
        // The three padding channels of the second block are zeros.
        let padding = blocked.array.enumerated().filter { ($0.offset % 8) >= 5 && $0.offset >= batch * pixels * 8 }
        #expect(padding.allSatisfy { $0.element == 0 })
    }

    @Test func gemmMicrokernelMatchesNaiveGEMM() {
        // The microkernel through PackedMatrixA/B on a single-block and a multi-block depth.
        for depth in [1, 7, 256, 700] {
            let a = randomValues(6 * depth, seed: 7)
            let b = randomValues(depth * 16, seed: 8)
            let reference = ReferenceKernels.gemm(a: a, b: b, m: 6, n: 16, k: depth)
            let fast = fastLinear(input: a, rows: 6, inputs: depth, weight: transpose(b, rows: depth, columns: 16),
                                  bias: [Float](repeating: 0, count: 16), outputs: 16, relu: false)
            #expect(normwiseError(fast, reference) < Self.tolerance, "depth \(depth)")
        }
    }

    @Test func maxPoolMatchesReference() {
        let x = randomValues(5 * 9 * 7, seed: 9)
        let reference = ReferenceKernels.maxPool2x2(input: x, planes: 5, height: 9, width: 7)
        let source = AlignedBuffer(x)
        let destination = AlignedBuffer(count: 5 * 4 * 3)
        source.withUnsafePointer { input in
            destination.withUnsafeMutablePointer { output in
                MaxPool.pool2x2(input: input, height: 9, width: 7, output: output, planeRange: 0..<5)
            }
        }
        #expect(destination.array == reference)
    }

    @Test func softmaxMatchesReferenceAndSurvivesLargeLogits() {
        let logits: [Float] = [1000, 999, -1000, 0, 0.5, 0.5, 0.5, 0.5]
        let reference = ReferenceKernels.softmax(logits, rows: 2, columns: 4)
        var output = [Float](repeating: 0, count: 8)
        logits.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                Softmax.rows(x.baseAddress!, rows: 2, columns: 4, output: y.baseAddress!)
            }
        }
        #expect(normwiseError(output, reference) < 1e-6)
        #expect(output.allSatisfy { $0.isFinite })
        #expect(abs(output[4] - 0.25) < 1e-7)
    }

    private func transpose(_ m: [Float], rows: Int, columns: Int) -> [Float] {
        var t = [Float](repeating: 0, count: m.count)
        for r in 0..<rows { for c in 0..<columns { t[c * rows + r] = m[r * columns + c] } }
        return t
    }
}
