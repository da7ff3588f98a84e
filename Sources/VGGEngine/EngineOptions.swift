/// How the engine runs: configuration that tests sweep, never a hidden global.
public struct EngineOptions: Sendable, Equatable {
    /// How 3×3 convolutions are computed.
    public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
        /// The reference direct convolution (slow; the oracle, for tests on small models).
        case direct
        /// Implicit im2col + packed SIMD GEMM with fused bias and ReLU.
        case gemm
    }

    /// Threads the engine uses, including the caller's.
    public var threads: Int
    /// Largest batch `forward` accepts; buffers are sized for it once.
    public var maxBatchSize: Int
    public var convolutionAlgorithm: ConvolutionAlgorithm

    public init(threads: Int = 2, maxBatchSize: Int = 8, convolutionAlgorithm: ConvolutionAlgorithm = .gemm) {
        precondition(threads >= 1 && maxBatchSize >= 1, "threads and batch size must be positive")
        self.threads = threads
        self.maxBatchSize = maxBatchSize
        self.convolutionAlgorithm = convolutionAlgorithm
    }
}
