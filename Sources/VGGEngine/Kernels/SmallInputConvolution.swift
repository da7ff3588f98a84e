/// The first convolution (3 input channels) computed directly from the input images into
/// the blocked layout the Winograd layers read, with bias and ReLU
/// (`KernelSet.convolution3x3SmallInput`): no im2col packing, no CNHW pass, no layout
/// conversion before conv1_2. With 3 channels the 27 multiply-adds of an output come from
/// broadcast input values against NR weights at a time; Winograd would spend more on its
/// transforms than it saves.
public enum SmallInputConvolution {
    /// Input channels up to which a first layer runs this way.
    public static let maximumInputChannels = 4

    /// Weights packed per nr-channel panel: C·9 taps (c·9 + r·3 + s) of nr floats, and the
    /// bias padded to whole panels (zeros past the real channels).
    public final class Weights {
        public let inputChannels: Int
        public let outputChannels: Int
        public let panels: Int
        let packed: AlignedBuffer
        let bias: AlignedBuffer

        /// Packs PyTorch-layout weights (K × C × 3 × 3) and the bias for `kernels`' panels.
        public init(weight: [Float], bias: [Float], inputChannels: Int, outputChannels: Int, kernels: KernelSet) {
            precondition(weight.count == outputChannels * inputChannels * 9 && bias.count == outputChannels, "weights do not match the channels")
            self.inputChannels = inputChannels
            self.outputChannels = outputChannels
            let nr = kernels.nr
            panels = (outputChannels + nr - 1) / nr
            let taps = inputChannels * 9
            packed = AlignedBuffer(count: panels * taps * nr)
            packed.withUnsafeMutablePointer { p in
                for k in 0..<outputChannels {
                    for tap in 0..<taps { p[((k / nr) * taps + tap) * nr + k % nr] = weight[k * taps + tap] }
                }
            }
            self.bias = AlignedBuffer(bias, zeroPaddedTo: nr * panels)
        }
    }

    /// Floats of scratch a thread needs for images `width` wide with `channels` channels.
    public static func scratchCount(channels: Int, width: Int) -> Int { 3 * channels * (width + 2) }

    /// Convolves `count` images (each C × H × W, one after another) into `output` (blocked
    /// layout, `outputBlocks` channel blocks), each thread a contiguous share of the rows.
    public static func run(
        on pool: ThreadPool, images: UnsafePointer<Float>, count: Int, height: Int, width: Int, weights: Weights, outputBlocks: Int,
        output: AlignedBuffer, scratch: [AlignedBuffer], kernels: KernelSet
    ) {
        precondition(scratch.count >= pool.threadCount && scratch.allSatisfy { $0.count >= scratchCount(channels: weights.inputChannels, width: width) },
                     "one scratch buffer per thread")
        weights.packed.withUnsafePointer { w in
            weights.bias.withUnsafePointer { b in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        let rows = ThreadPool.slice(count * height, thread: t, of: threads)
                        scratch[t].withUnsafeMutablePointer { s in
                            kernels.convolution3x3SmallInput(
                                images: images, channels: weights.inputChannels, batch: count, height: height, width: width,
                                weights: w, bias: b, panels: weights.panels, blocks: outputBlocks, rows: rows, scratch: s, output: y)
                        }
                    }
                }
            }
        }
    }
}
