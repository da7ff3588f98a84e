import VGGCommon

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

    /// The arithmetic of the convolutions (the type an index records with each model).
    public typealias Precision = ComputePrecision

    /// What `--precision auto` means on this CPU: bfloat16 where the kernels have the CPU's
    /// own bfloat16 dot products (its pool5 stays within cosine 0.9999 of float32 on the
    /// trained base; README.md), float32 elsewhere (emulated bfloat16 would be slower).
    public static func fastestPrecision(for kernels: KernelSet) -> Precision {
        kernels.hasNativeBF16 ? .bf16 : .f32
    }

    /// The precision a command computes in: the one asked for (`--precision`, else
    /// `VGGBATCH_PRECISION`; nil for auto), else the index's model's (one model keeps one
    /// precision), else the fastest these kernels run faithfully.
    public static func precision(requested: Precision?, model: Precision?, kernels: KernelSet) -> Precision {
        requested ?? model ?? fastestPrecision(for: kernels)
    }

    /// The environment variable that chooses the precision when no option does: `auto`,
    /// `f32` or `bf16`.
    public static let precisionVariable = "VGGBATCH_PRECISION"

    /// Convolutions (0 = conv1_1) that compute in bfloat16 under `.bf16` unless
    /// `bfloat16Convolutions` says otherwise: conv1_2, conv2_1, conv2_2, conv3_2 and conv3_3,
    /// where VGG16's pool5 loses least per millisecond saved (measured on the trained base,
    /// README.md); conv1_1 (3 channels, GEMM), conv3_1 and blocks 4 and 5 stay float32.
    public static let defaultBFloat16Convolutions: Set<Int> = [1, 2, 3, 5, 6]

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
    public var precision: Precision
    /// Under `.bf16`, the convolutions that compute in bfloat16 (nil:
    /// `defaultBFloat16Convolutions`); only Winograd layers can.
    public var bfloat16Convolutions: Set<Int>?

    public init(
        threads: Int = 2, maxBatchSize: Int = 8, convolutionAlgorithm: ConvolutionAlgorithm = .auto,
        linearPrecision: LinearPrecision = .float16, kernels: KernelSet = .default, precision: Precision = .f32,
        bfloat16Convolutions: Set<Int>? = nil
    ) {
        precondition(threads >= 1 && maxBatchSize >= 1, "threads and batch size must be positive")
        self.threads = threads
        self.maxBatchSize = maxBatchSize
        self.convolutionAlgorithm = convolutionAlgorithm
        self.linearPrecision = linearPrecision
        self.kernels = kernels
        self.precision = precision
        self.bfloat16Convolutions = bfloat16Convolutions
    }

    /// Whether convolution `index` (0 = conv1_1) computes in bfloat16, if it runs by Winograd.
    public func computesInBFloat16(convolution index: Int) -> Bool {
        precision == .bf16 && (bfloat16Convolutions ?? Self.defaultBFloat16Convolutions).contains(index)
    }

    /// How convolution `index`'s transformed weights are kept if it runs by Winograd: bfloat16
    /// where it computes in bfloat16; under `.bf16`, IEEE halves for the float layers (their
    /// 11 significant bits move pool5 by under 1e-6 of cosine, and the late layers' 19 to 38
    /// MB each stream from memory at small batches); floats under `.f32`.
    public func winogradStorage(convolution index: Int) -> WinogradWeights.Storage {
        if computesInBFloat16(convolution: index) { return .bfloat16 }
        return precision == .bf16 ? .float16 : .float32
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
