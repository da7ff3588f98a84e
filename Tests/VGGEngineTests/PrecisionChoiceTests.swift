import Testing
import VGGEngine

/// Which precision a command computes in: asked for, else the index's model's, else the
/// fastest the kernels run faithfully.
@Suite("Precision choice")
struct PrecisionChoiceTests {
    @Test(arguments: KernelSet.available)
    func theAskedForThenTheModelsThenTheFastest(kernels: KernelSet) {
        #expect(EngineOptions.precision(requested: .f32, model: .bf16, kernels: kernels) == .f32)
        #expect(EngineOptions.precision(requested: .bf16, model: nil, kernels: kernels) == .bf16)
        #expect(EngineOptions.precision(requested: nil, model: .bf16, kernels: kernels) == .bf16)
        #expect(EngineOptions.precision(requested: nil, model: .f32, kernels: kernels) == .f32)
        #expect(EngineOptions.precision(requested: nil, model: nil, kernels: kernels) == (kernels.hasNativeBF16 ? .bf16 : .f32))
    }
}
