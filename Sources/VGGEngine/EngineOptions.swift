/// How the engine runs: configuration that tests sweep, never a hidden global.
public struct EngineOptions: Sendable, Equatable {
    /// How 3×3 convolutions are computed.
    public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
        /// The reference direct convolution (slow; the oracle, for tests on small models).
        case direct
        /// Implicit im2col + packed SIMD GEMM with fused bias and ReLU.
        case gemm
        /// Winograd F(4×4, 3×3) with fused bias, ReLU and max-pool, wherever the layer has
        /// enough input channels for it (see `winogradMinimumInputChannels`); GEMM elsewhere.
        case winograd
        /// Per layer, whichever measured fastest on this kind of machine: Winograd for every
        /// layer that qualifies, GEMM for the first (3 input channels).
        case auto
    }

    /// How the fully connected layers keep their weights.
    public enum LinearPrecision: String, Sendable, CaseIterable {
        /// As loaded.
        case float32
        /// Rounded to IEEE half and widened again as they are read (F16C); products and sums
        /// stay float32. Halves the 494 MB the three layers take and the memory traffic that
        /// limits them at small batches.
        case float16
    }

    /// Layers with fewer input channels than this run on the GEMM path under `winograd` and
    /// `auto`: with 3 (RGB input) the transforms would cost more than the multiplies saved.
    public static let winogradMinimumInputChannels = 8

    /// Threads the engine uses, including the caller's.
    public var threads: Int
    /// Largest batch `forward` accepts; buffers are sized for it once.
    public var maxBatchSize: Int
    public var convolutionAlgorithm: ConvolutionAlgorithm
    public var linearPrecision: LinearPrecision
    /// The instruction set's kernels (default: `VGGBATCH_ISA` if this CPU runs it, else
    /// the fastest it runs).
    public var kernels: KernelSet

    public init(
        threads: Int = 2, maxBatchSize: Int = 8, convolutionAlgorithm: ConvolutionAlgorithm = .auto,
        linearPrecision: LinearPrecision = .float16, kernels: KernelSet = .default
    ) {
        precondition(threads >= 1 && maxBatchSize >= 1, "threads and batch size must be positive")
        self.threads = threads
        self.maxBatchSize = maxBatchSize
        self.convolutionAlgorithm = convolutionAlgorithm
        self.linearPrecision = linearPrecision
        self.kernels = kernels
    }

    /// The algorithm a convolution with `inputChannels` inputs runs with: `direct` or `gemm`
    /// as chosen, `winograd` or `auto` resolved per layer.
    public func algorithm(inputChannels: Int) -> ConvolutionAlgorithm {
        switch convolutionAlgorithm {
        case .direct, .gemm: return convolutionAlgorithm
        case .winograd, .auto: return inputChannels >= Self.winogradMinimumInputChannels ? .winograd : .gemm
        }
    }
}
