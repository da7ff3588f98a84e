/// Convolution weights in the Winograd domain, transformed once at load: for each of the 36
/// positions ξ, `U_ξ = (G g Gᵀ)_ξ` over all input and output channels, packed as GEMM B
/// micro-panels of 16 output channels (k = input channel, 16 floats per k). The transform runs
/// in Double and is rounded once to Float. Padded channels hold zeros.
public final class WinogradWeights {
    public let inputChannels: Int
    public let outputChannels: Int
    /// Input channels rounded up to 8 (the blocked layout).
    public let paddedInputChannels: Int
    /// Output channels rounded up to 16 (the microkernel's width).
    public let paddedOutputChannels: Int
    /// Output channels rounded up to 8: what the output transform writes.
    public let paddedOutputChannels8: Int
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

    /// Transforms PyTorch-layout weights (K × C × 3 × 3).
    public init(weight: [Float], inputChannels: Int, outputChannels: Int) {
        precondition(weight.count == inputChannels * outputChannels * 9, "weights do not match the channels")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        paddedInputChannels = BlockedLayout.paddedChannels(inputChannels)
        paddedOutputChannels = GEMMBlocking.roundUp(outputChannels, to: 16)
        paddedOutputChannels8 = BlockedLayout.paddedChannels(outputChannels)
        let cin = paddedInputChannels
        let panels = paddedOutputChannels / 16
        storage = AlignedBuffer(count: 36 * panels * cin * 16)
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
                            u[((position * panels + k / 16) * cin + c) * 16 + k % 16] = Float(value)
                        }
                    }
                }
            }
        }
    }

    /// Float offset of the B micro-panel of output channels 16·panel..<16·panel+16 at ξ.
    @inline(__always)
    func panelOffset(position: Int, panel: Int) -> Int {
        (position * (paddedOutputChannels / 16) + panel) * paddedInputChannels * 16
    }
}
