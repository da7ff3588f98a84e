import Testing
import VGGEngine
import VGGModel

/// Each fast kernel against the reference kernels on awkward and real shapes, on every
/// kernel set this CPU runs (`testedKernels`).
@Suite("Kernels against the reference")
struct KernelTests {
    // Tolerance: float32 sums of up to a few thousand products against Double sums; the
    // normwise error of a correct kernel is ~1e-7 (measured 1e-7 to 4e-7); 2e-6 leaves
    // room for longer reductions while any indexing mistake gives errors near 1.
    static let tolerance = 2e-6

    struct LinearCase: Sendable, CustomTestStringConvertible {
        let rows, inputs, outputs: Int
        var testDescription: String { "\(rows)x\(inputs)->\(outputs)" }
    }

    // Rows around both tile heights (6 and 14), columns around every tile width (8, 16, 32).
    static let linearCases = [
        LinearCase(rows: 1, inputs: 1, outputs: 1), LinearCase(rows: 5, inputs: 27, outputs: 15),
        LinearCase(rows: 6, inputs: 300, outputs: 16), LinearCase(rows: 7, inputs: 600, outputs: 17),
        LinearCase(rows: 13, inputs: 257, outputs: 40), LinearCase(rows: 8, inputs: 513, outputs: 33),
        LinearCase(rows: 15, inputs: 64, outputs: 31), LinearCase(rows: 14, inputs: 9, outputs: 65),
        LinearCase(rows: 1, inputs: 1024, outputs: 100),
    ]

    @Test(arguments: linearCases, testedKernels)
    func linearMatchesReference(_ c: LinearCase, _ kernels: KernelSet) {
        let (rows, inputs, outputs) = (c.rows, c.inputs, c.outputs)
        let x = randomValues(rows * inputs, seed: 1)
        let w = randomValues(outputs * inputs, seed: 2)
        let b = randomValues(outputs, seed: 3)
        for relu in [false, true] {
            let fast = fastLinear(input: x, rows: rows, inputs: inputs, weight: w, bias: b, outputs: outputs, relu: relu, kernels: kernels)
            let reference = ReferenceKernels.linear(input: x, rows: rows, inputs: inputs, weight: w, bias: b, outputs: outputs, relu: relu)
            #expect(normwiseError(fast, reference) < Self.tolerance)
            // Half-precision weights: each rounded by at most 2^-11 relative, so the result is
            // off by ~2^-11 / sqrt(inputs) of its scale; the reference gets the rounded weights.
            let half = fastLinear(
                input: x, rows: rows, inputs: inputs, weight: w, bias: b, outputs: outputs, relu: relu, precision: .float16,
                kernels: kernels)
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
        ConvCase(batch: 2, channels: 3, outputs: 64, height: 32, width: 32),  // conv1_1-like, whole panels
        ConvCase(batch: 1, channels: 30, outputs: 130, height: 20, width: 19),  // M > MC
    ]

    @Test(arguments: convCases, testedKernels)
    func convolutionMatchesReference(_ c: ConvCase, _ kernels: KernelSet) {
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 4)
        let w = randomValues(c.outputs * c.channels * 9, seed: 5)
        let b = randomValues(c.outputs, seed: 6)
        let reference = ReferenceKernels.convolution3x3(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true)
        for threads in [1, 2, 3] {
            let fast = fastConvolution(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, relu: true, threads: threads, kernels: kernels)
            #expect(normwiseError(fast, reference) < Self.tolerance, "threads \(threads)")
        }
        // A column table built for a larger batch serves a smaller one.
        let fromLargerTable = fastConvolution(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true, tableBatch: c.batch + 2, kernels: kernels)
        #expect(normwiseError(fromLargerTable, reference) < Self.tolerance)
    }

    // Winograd F(4×4, 3×3) trades exactness for 4× fewer multiplies: its transforms scale
    // values by up to ~10 and back, so float32 rounding gives ~1e-6 relative (L2) and up to
    // ~1e-5 on the largest element; 5e-5 flags any indexing mistake (errors near 1).
    static let winogradTolerance = 5e-5

    static let winogradCases = convCases + [
        ConvCase(batch: 2, channels: 16, outputs: 24, height: 40, width: 40),  // 200 tiles: three chunks
        ConvCase(batch: 1, channels: 24, outputs: 40, height: 22, width: 26),  // 42 tiles: partial register tiles
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

    @Test(arguments: winogradCases, testedKernels)
    func winogradMatchesReference(_ c: ConvCase, _ kernels: KernelSet) {
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
                weight: w, bias: b, outputChannels: c.outputs, pool: false, threads: threads, kernels: kernels)
            #expect(normwiseError(fast, reference) < Self.winogradTolerance, "threads \(threads)")
            // Tiles are computed alone: the thread count cannot change a single bit.
            if let single { #expect(fast == single, "threads \(threads)") } else { single = fast }
        }
        if c.height >= 2 && c.width >= 2 {
            let fastPooled = fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: true, threads: 2, kernels: kernels)
            #expect(normwiseError(fastPooled, pooled) < Self.winogradTolerance, "fused pool")
        }
    }

    /// bfloat16 Winograd against its plain definition (`ReferenceKernels.winogradBFloat16`:
    /// the same values rounded to bfloat16, exact sums). What may differ: a transformed input
    /// the kernel computes in float that lands on the other side of a bfloat16 rounding
    /// boundary than the Double one (a step of 2^-8 in one term), and float sums: bound 1e-3
    /// relative L2. Against float32, the rounding itself moves the outputs by about 1e-2
    /// relative L2 on these random layers (trained layers: a few 1e-3). The thread count still
    /// cannot change a bit.
    @Test(arguments: winogradCases, testedKernels)
    func bfloat16WinogradMatchesItsDefinition(_ c: ConvCase, _ kernels: KernelSet) {
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 10).map { max($0, 0) }
        let w = randomValues(c.outputs * c.channels * 9, seed: 11)
        let b = randomValues(c.outputs, seed: 12)
        let reference = ReferenceKernels.winogradBFloat16(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width, weight: w, bias: b, outputChannels: c.outputs)
        let float32 = ReferenceKernels.convolution3x3(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true)
        var single: [Float]?
        for threads in [1, 2, 3] {
            let fast = fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: false, threads: threads, kernels: kernels, storage: .bfloat16)
            #expect(relativeL2Error(fast, reference) < 1e-3, "threads \(threads)")
            #expect(relativeL2Error(fast, float32) < 8e-2, "threads \(threads)")
            if let single { #expect(fast == single, "threads \(threads)") } else { single = fast }
        }
    }

    /// Transformed weights kept as IEEE halves (the float layers of the bf16 precision):
    /// 11 significant bits each, the inputs and sums float: within 4e-3 relative L2 of the
    /// reference on these random layers, and the thread count cannot change a bit.
    @Test(arguments: winogradCases, testedKernels)
    func halfWeightWinogradStaysCloseToReference(_ c: ConvCase, _ kernels: KernelSet) {
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 10).map { max($0, 0) }
        let w = randomValues(c.outputs * c.channels * 9, seed: 11)
        let b = randomValues(c.outputs, seed: 12)
        let reference = ReferenceKernels.convolution3x3(
            input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
            weight: w, bias: b, outputChannels: c.outputs, relu: true)
        var single: [Float]?
        for threads in [1, 2] {
            let fast = fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: false, threads: threads, kernels: kernels, storage: .float16)
            #expect(relativeL2Error(fast, reference) < 4e-3, "threads \(threads)")
            if let single { #expect(fast == single, "threads \(threads)") } else { single = fast }
        }
    }

    /// The bfloat16 GEMM against the exact sums of its rounded inputs (products of bfloat16
    /// values are exact in float; only the float sums round): 1e-5 of the largest term.
    @Test(arguments: testedKernels)
    func bfloat16GEMMSumsItsRoundedInputs(_ kernels: KernelSet) {
        let (mr, nr) = (kernels.mr, kernels.nr)
        for pairs in [1, 3, 64, 256] {
            let a = randomValues(mr * 2 * pairs, seed: 30).map(bfloat16)
            let b = randomValues(2 * pairs * nr, seed: 31).map(bfloat16)
            let aBits = a.map { UInt16($0.bitPattern >> 16) }
            // B as pairs along k: word p·nr + j holds B[2p][j] low, B[2p+1][j] high.
            var bWords = [UInt32](repeating: 0, count: pairs * nr)
            for p in 0..<pairs {
                for j in 0..<nr {
                    bWords[p * nr + j] = (b[2 * p * nr + j].bitPattern >> 16) | (b[(2 * p + 1) * nr + j].bitPattern & 0xFFFF_0000)
                }
            }
            var c = [Float](repeating: 0, count: mr * nr)
            for rows in [mr, 1] {
                aBits.withUnsafeBufferPointer { ap in
                    bWords.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            kernels.gemmRowsBF16(pairs: pairs, a: ap.baseAddress!, lda: 2 * pairs, rows: rows, b: bp.baseAddress!, c: cp.baseAddress!, ldc: nr)
                        }
                    }
                }
                var worst = 0.0
                for i in 0..<rows {
                    for j in 0..<nr {
                        var exact = 0.0
                        for k in 0..<(2 * pairs) { exact += Double(a[i * 2 * pairs + k]) * Double(b[k * nr + j]) }
                        worst = max(worst, abs(Double(c[i * nr + j]) - exact))
                    }
                }
                #expect(worst < 1e-5 * Double(2 * pairs), "pairs \(pairs), rows \(rows), \(kernels)")
            }
        }
    }

    /// The CPU's own bfloat16 dot products and their emulation agree to the rounding of a sum.
    @Test(.enabled(if: KernelSet(.avx512BF16) != nil, "this CPU has no AVX512_BF16: the native bfloat16 kernels are not run here"))
    func nativeBFloat16MatchesItsEmulation() throws {
        let native = try #require(KernelSet(.avx512BF16))
        let emulated = try #require(KernelSet(.avx512OnAVX2))
        #expect(native.hasNativeBF16 && !emulated.hasNativeBF16)
        let c = ConvCase(batch: 2, channels: 64, outputs: 64, height: 12, width: 12)
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 20).map { max($0, 0) }
        let w = randomValues(c.outputs * c.channels * 9, seed: 21)
        let b = randomValues(c.outputs, seed: 22)
        func run(_ kernels: KernelSet) -> [Float] {
            fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: true, threads: 2, kernels: kernels, storage: .bfloat16)
        }
        #expect(normwiseError(run(native), run(emulated)) < 1e-5)
        // The float kernels of the bfloat16 set are the avx512 ones: the same bits.
        let plain = try #require(KernelSet(.avx512))
        let f32 = { (kernels: KernelSet) in
            fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: true, threads: 2, kernels: kernels)
        }
        #expect(f32(native) == f32(plain))
    }

    /// The first layer's direct kernel, into the blocked layout, at awkward sizes (a row
    /// that is not whole register tiles, channels that are not whole panels).
    @Test(arguments: testedKernels)
    func smallInputConvolutionMatchesReference(_ kernels: KernelSet) {
        for (batch, height, width, outputs) in [(1, 5, 17, 13), (2, 9, 7, 40), (3, 4, 30, 64)] {
            let x = randomValues(batch * 3 * height * width, seed: 40)
            let w = randomValues(outputs * 27, seed: 41)
            let b = randomValues(outputs, seed: 42)
            let reference = ReferenceKernels.convolution3x3(
                input: x, batch: batch, channels: 3, height: height, width: width, weight: w, bias: b, outputChannels: outputs, relu: true)
            var single: [Float]?
            for threads in [1, 2] {
                let fast = fastSmallInput(
                    input: x, batch: batch, channels: 3, height: height, width: width, weight: w, bias: b, outputChannels: outputs,
                    threads: threads, kernels: kernels)
                #expect(normwiseError(fast, reference) < Self.tolerance, "\(batch)x\(height)x\(width)→\(outputs), \(kernels)")
                if let single { #expect(fast == single) } else { single = fast }
            }
        }
    }

    @Test(arguments: [4, 8, 16])
    func blockedLayoutRoundTripsAndFlattensLikePlanes(_ block: Int) {
        let (channels, batch, pixels) = (block + 5, 3, 10)
        let values = randomValues(channels * batch * pixels, seed: 13)
        let planes = AlignedBuffer(values)
        let blocked = AlignedBuffer(count: BlockedLayout.count(channels: channels, batch: batch, height: 2, width: 5, block: block))
        let back = AlignedBuffer(count: values.count)
        var flattened = [Float](repeating: 0, count: values.count)
        let blocks = 0..<(BlockedLayout.paddedChannels(channels, block: block) / block)
        planes.withUnsafePointer { p in
            blocked.withUnsafeMutablePointer { b in
                BlockedLayout.fromPlanes(p, channels: channels, batch: batch, pixels: pixels, block: block, into: b, blockRange: blocks)
            }
        }
        blocked.withUnsafePointer { b in
            back.withUnsafeMutablePointer {
                BlockedLayout.toPlanes(b, channels: channels, batch: batch, pixels: pixels, block: block, into: $0, blockRange: blocks)
            }
            flattened.withUnsafeMutableBufferPointer {
                BlockedLayout.flatten(b, channels: channels, batch: batch, pixels: pixels, block: block, into: $0.baseAddress!)
            }
        }
        #expect(back.array == values)
        #expect(flattened == toNCHW(values, batch: batch, channels: channels, pixels: pixels))
        // The padding channels of the last block are zeros.
        let padding = blocked.array.enumerated().filter { ($0.offset % block) >= channels - block && $0.offset >= batch * pixels * block }
        #expect(padding.allSatisfy { $0.element == 0 })
    }

    @Test(arguments: testedKernels)
    func gemmMicrokernelMatchesNaiveGEMM(_ kernels: KernelSet) {
        // The microkernel through PackedMatrixA/B, one whole tile, on single- and multi-block depths.
        let (mr, nr) = (kernels.mr, kernels.nr)
        for depth in [1, 7, 256, 700] {
            let a = randomValues(mr * depth, seed: 7)
            let b = randomValues(depth * nr, seed: 8)
            let reference = ReferenceKernels.gemm(a: a, b: b, m: mr, n: nr, k: depth)
            let fast = fastLinear(input: a, rows: mr, inputs: depth, weight: transpose(b, rows: depth, columns: nr),
                                  bias: [Float](repeating: 0, count: nr), outputs: nr, relu: false, kernels: kernels)
            #expect(normwiseError(fast, reference) < Self.tolerance, "depth \(depth)")
        }
    }

    /// The native AVX-512 build, on a CPU that has it (elsewhere this test is skipped and says
    /// so; the same code compiled for AVX2 runs in every other test of this suite).
    @Test(.enabled(if: KernelSet(.avx512) != nil, "this CPU has no AVX-512 (F, BW, VL, DQ): the native AVX-512 kernels are not run here"))
    func nativeAVX512KernelsMatchTheirAVX2Build() throws {
        let native = try #require(KernelSet(.avx512))
        let emulated = try #require(KernelSet(.avx512OnAVX2))
        let c = ConvCase(batch: 2, channels: 64, outputs: 64, height: 12, width: 12)
        let x = randomValues(c.batch * c.channels * c.height * c.width, seed: 20)
        let w = randomValues(c.outputs * c.channels * 9, seed: 21)
        let b = randomValues(c.outputs, seed: 22)
        func run(_ kernels: KernelSet) -> [Float] {
            fastWinograd(
                input: x, batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                weight: w, bias: b, outputChannels: c.outputs, pool: true, threads: 2, kernels: kernels)
        }
        #expect(normwiseError(run(native), run(emulated)) < 1e-6)
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
