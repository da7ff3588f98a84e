/// Convolution weights in the Winograd domain, transformed once at load: for each of the 36
/// positions ξ, `U_ξ = (G g Gᵀ)_ξ` over all input and output channels, packed as GEMM B
/// micro-panels of nr output channels (k = input channel, nr floats per k). The transform
/// runs in Double and is rounded once to Float. Padded channels hold zeros.
public final class WinogradWeights {
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

    /// Transforms PyTorch-layout weights (K × C × 3 × 3) for `kernels`' layout.
    public init(weight: [Float], inputChannels: Int, outputChannels: Int, kernels: KernelSet) {
        precondition(weight.count == inputChannels * outputChannels * 9, "weights do not match the channels")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        lanes = kernels.lanes
        nr = kernels.nr
        paddedInputChannels = BlockedLayout.paddedChannels(inputChannels, block: lanes)
        paddedOutputChannels = GEMMBlocking.roundUp(outputChannels, to: nr)
        paddedOutputBlocks = BlockedLayout.paddedChannels(outputChannels, block: lanes) / lanes
        let cin = paddedInputChannels
        let nr = self.nr
        let panels = paddedOutputChannels / nr
        storage = AlignedBuffer(count: 36 * panels * cin * nr)
        let g = Self.g
        storage.withUnsafeMutablePointer { u in
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
    }

    /// Float offset of the B micro-panel of output channels nr·panel..<nr·(panel+1) at ξ.
    @inline(__always)
    func panelOffset(position: Int, panel: Int) -> Int {
        (position * (paddedOutputChannels / nr) + panel) * paddedInputChannels * nr
    }
}
