import ArgumentParser
import Foundation
import VGGEngine

/// Times the GEMM microkernel on cache-resident panels, and the convolution GEMM on one layer
/// shape, single-threaded: separates kernel speed from driver and memory effects.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel", abstract: "Single-thread GFLOP/s of the GEMM microkernel and of one convolution.")

    @Option(help: "Convolution input channels.") var channels = 256
    @Option(help: "Convolution output channels.") var outputs = 256
    @Option(help: "Convolution height and width.") var size = 56
    @Option(help: "Batch.") var batch = 1
    @OptionGroup var kernelOptions: KernelOptions

    func run() throws {
        let kernels = try kernelOptions.kernels()
        let (mr, nr) = (kernels.mr, kernels.nr)
        // Microkernel alone: A mr×256 and B 256×nr stay in L1.
        let a = AlignedBuffer(count: mr * 256)
        let b = AlignedBuffer(count: 256 * nr)
        let c = AlignedBuffer(count: mr * nr)
        let calls = 200_000
        let start = DispatchTime.now().uptimeNanoseconds
        a.withUnsafePointer { pa in
            b.withUnsafePointer { pb in
                c.withUnsafeMutablePointer { pc in
                    for i in 0..<calls {
                        kernels.gemmPacked(
                            kc: 256, a: pa, b: pb, c: pc, ldc: nr, rows: mr, columns: nr, epilogue: GEMMEpilogue(accumulate: i > 0))
                    }
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(String(
            format: "%@ microkernel %dx%d, kc 256, L1-resident: %.1f GFLOP/s", kernels.instructionSet.rawValue, mr, nr,
            Double(calls) * 2 * Double(mr * nr) * 256 / seconds / 1e9))

        let n = batch * size * size
        let weights = PackedMatrixA(rows: outputs, depth: channels * 9, mr: mr) { r, k in Float((r * 7 + k) % 13) * 0.01 }
        let columns = ConvolutionColumns(batch: batch, height: size, width: size, nr: nr)
        let input = AlignedBuffer(count: channels * n, padding: columns.requiredPadding)
        let output = AlignedBuffer(count: outputs * n)
        let bias = AlignedBuffer(count: outputs)
        let pack = AlignedBuffer(count: ConvolutionGEMM.packCount)
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    bias.withUnsafePointer { bb in
                        pack.withUnsafeMutablePointer { p in
                            ConvolutionGEMM.run(
                                input: x, inputChannels: channels, columns: columns, columnCount: n, weights: weights, bias: bb,
                                relu: true, output: y, panelRange: 0..<((n + nr - 1) / nr), packBuffer: p, kernels: kernels)
                        }
                    }
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let flops = 2.0 * Double(outputs * channels * 9 * n)
        print(String(format: "convolution %d->%d at %dx%d, batch %d: %.1f GFLOP/s (best of 5)", channels, outputs, size, size, batch, flops / best / 1e9))
    }
}
