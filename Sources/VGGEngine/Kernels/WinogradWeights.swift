/// Convolution weights in the Winograd domain, transformed once at load: for each of the 36
/// positions ξ, `U_ξ = (G g Gᵀ)_ξ` over all input and output channels, packed as GEMM B
/// micro-panels of nr output channels (k = input channel, nr floats per k). The transform
/// runs in Double and is rounded once to Float. Padded channels hold zeros.
///
/// Stored as `Storage` says: floats; IEEE halves in the same layout (`.float16`, for float
/// GEMMs whose weights stream from memory: half the bytes, 11 significant bits); or bfloat16
/// (`.bfloat16`, for the bfloat16 GEMM), each value rounded on from that Float to the
/// nearest bfloat16 (ties to even), the panels holding pairs along k: the 32-bit word at
/// `(k / 2) * nr + j` of a panel has input channel k (k even) in its low half and k + 1 in
/// its high half, the layout `KernelSet.gemmRowsBF16` reads.
public final class WinogradWeights {
    /// How the transformed weights are kept.
    public enum Storage: Sendable {
        case float32, float16, bfloat16
    }

    public let inputChannels: Int
    public let outputChannels: Int
    /// The kernel set's vector width (the blocked layout's channel block) and tile width.
    public let lanes: Int
    public let nr: Int
    /// Input channels rounded up to whole channel blocks.
    public let paddedInputChannels: Int
    /// Output channels rounded up to nr (the microkernel's width).
    public let paddedOutputChannels: Int
    /// Output channels rounded up to whole channel blocks: what the output transform writes.
    public let paddedOutputBlocks: Int
    public let storageKind: Storage
    /// Whether the panels hold bfloat16 pairs (and the GEMM runs in bfloat16).
    public var bfloat16: Bool { storageKind == .bfloat16 }
    let storage: AlignedBuffer

    /// G of F(4×4, 3×3): 6×3.
    static let g: [[Double]] = [
        [1.0 / 4, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6],
        [1.0 / 24, -1.0 / 12, 1.0 / 6],
        [0, 0, 1],
    ]

    /// Transforms PyTorch-layout weights (K × C × 3 × 3) for `kernels`' layout, kept as
    /// `storage` says.
    public init(weight: [Float], inputChannels: Int, outputChannels: Int, kernels: KernelSet, storage kind: Storage = .float32) {
        precondition(weight.count == inputChannels * outputChannels * 9, "weights do not match the channels")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        lanes = kernels.lanes
        nr = kernels.nr
        paddedInputChannels = BlockedLayout.paddedChannels(inputChannels, block: lanes)
        paddedOutputChannels = GEMMBlocking.roundUp(outputChannels, to: nr)
        paddedOutputBlocks = BlockedLayout.paddedChannels(outputChannels, block: lanes) / lanes
        storageKind = kind
        let cin = paddedInputChannels
        let nr = self.nr
        let panels = paddedOutputChannels / nr
        storage = AlignedBuffer(count: 36 * panels * cin * nr / (kind == .float32 ? 1 : 2))
        let floats = kind == .float32 ? storage : AlignedBuffer(count: 36 * panels * cin * nr)
        let g = Self.g
        floats.withUnsafeMutablePointer { u in
            var kernel = [Double](repeating: 0, count: 9)
            var half = [Double](repeating: 0, count: 18)  // G g: 6 × 3
            for k in 0..<outputChannels {
                for c in 0..<inputChannels {
                    for i in 0..<9 { kernel[i] = Double(weight[(k * inputChannels + c) * 9 + i]) }
                    for r in 0..<6 {
                        for s in 0..<3 {
                            half[r * 3 + s] = g[r][0] * kernel[s] + g[r][1] * kernel[3 + s] + g[r][2] * kernel[6 + s]
                        }
                    }
                    for r in 0..<6 {
                        for s in 0..<6 {
                            let value = half[r * 3] * g[s][0] + half[r * 3 + 1] * g[s][1] + half[r * 3 + 2] * g[s][2]
                            let position = r * 6 + s
                            u[((position * panels + k / nr) * cin + c) * nr + k % nr] = Float(value)
                        }
                    }
                }
            }
        }
        if kind == .float16 {
            let count = 36 * panels * cin * nr
            floats.withUnsafePointer { f in
                storage.withUnsafeMutablePointer(as: UInt16.self) { h in kernels.narrowHalves(f, count: count, into: h) }
            }
        }
        if kind == .bfloat16 {
            // Float panels (k-major) → bfloat16 pairs: k and k + 1 side by side per column.
            let words = cin / 2 * nr
            var row = [Float](repeating: 0, count: 2 * nr)
            floats.withUnsafePointer { f in
                storage.withUnsafeMutablePointer(as: UInt16.self) { b in
                    row.withUnsafeMutableBufferPointer { pair in
                        // Safe: `pair` holds 2·nr floats; each panel is cin × nr floats in and out.
                        guard let pair = pair.baseAddress else { return }
                        for panel in 0..<(36 * panels) {
                            for p in 0..<(cin / 2) {
                                let k = f + panel * cin * nr + 2 * p * nr
                                for j in 0..<nr {
                                    pair[2 * j] = k[j]
                                    pair[2 * j + 1] = k[nr + j]
                                }
                                kernels.narrowBF16(pair, count: 2 * nr, into: b + 2 * (panel * words + p * nr))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Offset of the B micro-panel of output channels nr·panel..<nr·(panel+1) at ξ, in the
    /// storage's elements: floats, halves, or bfloat16 pairs (32-bit words).
    @inline(__always)
    func panelOffset(position: Int, panel: Int) -> Int {
        (position * (paddedOutputChannels / nr) + panel) * paddedInputChannels * nr / (storageKind == .bfloat16 ? 2 : 1)
    }
}
