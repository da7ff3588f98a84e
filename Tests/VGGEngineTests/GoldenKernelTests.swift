import Testing
import VGGEngine
import VGGModel

/// Single layers against ONNX Runtime outputs (scripts/make_engine_goldens.py).
@Suite("Kernels against ONNX Runtime goldens")
struct GoldenKernelTests {
    // ONNX Runtime's direct convolution and ours sum in different orders in float32:
    // differences of a few ulps of the largest value, normwise ~1e-7; 2e-6 as for the reference.
    static let tolerance = 2e-6

    @Test(arguments: ["conv-13to5-9x7", "conv-3to16-17x18", "conv-16to13-6x5"], testedKernels)
    func convolution(_ name: String, _ kernels: KernelSet) throws {
        let golden = try Golden("\(name).safetensors")
        let shape = golden.shape("input")
        let weightShape = golden.shape("weight")
        try #require(shape.count == 4 && weightShape.count == 4)
        for relu in [false, true] {
            let fast = fastConvolution(
                input: try golden.values("input"), batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                weight: try golden.values("weight"), bias: try golden.values("bias"), outputChannels: weightShape[0],
                relu: relu, threads: 2, kernels: kernels)
            let expected = try golden.values(relu ? "output_relu" : "output")
            #expect(normwiseError(fast, expected) < Self.tolerance, "relu \(relu)")
        }
    }

    @Test func maxPool() throws {
        let golden = try Golden("maxpool-9x7.safetensors")
        let shape = golden.shape("input")
        let input = AlignedBuffer(try golden.values("input"))
        let output = AlignedBuffer(count: shape[0] * shape[1] * (shape[2] / 2) * (shape[3] / 2))
        input.withUnsafePointer { x in
            output.withUnsafeMutablePointer { y in
                MaxPool.pool2x2(input: x, height: shape[2], width: shape[3], output: y, planeRange: 0..<(shape[0] * shape[1]))
            }
        }
        #expect(output.array == (try golden.values("output")))
    }

    @Test(arguments: testedKernels)
    func linear(_ kernels: KernelSet) throws {
        let golden = try Golden("linear-37to29.safetensors")
        let shape = golden.shape("input")
        let outputs = golden.shape("weight")[0]
        let fast = fastLinear(
            input: try golden.values("input"), rows: shape[0], inputs: shape[1], weight: try golden.values("weight"),
            bias: try golden.values("bias"), outputs: outputs, relu: false, threads: 2, kernels: kernels)
        #expect(normwiseError(fast, try golden.values("output")) < Self.tolerance)
    }

    @Test func softmax() throws {
        let golden = try Golden("softmax-3x29.safetensors")
        let shape = golden.shape("input")
        let input = try golden.values("input")
        var output = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
                Softmax.rows(xb, rows: shape[0], columns: shape[1], output: yb)
            }
        }
        #expect(normwiseError(output, try golden.values("output")) < 1e-6)
    }
}
