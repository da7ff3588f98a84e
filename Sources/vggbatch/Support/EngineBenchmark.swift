import Foundation
import VGGEngine
import VGGModel

/// Times full forward passes on seeded random input after checking the outputs.
struct EngineBenchmark {
    let network: VGGNetwork
    let batch: Int
    let iterations: Int

    struct Result {
        var imagesPerSecond: Double
        var millisecondsPerImage: Double
        var gflops: Double
        var peakResidentBytes: Int
    }

    func run() throws -> Result {
        let a = network.architecture
        let imageFloats = a.inputChannels * a.inputHeight * a.inputWidth
        var generator = SplitMix64(seed: 42)
        let input = (0..<(batch * imageFloats)).map { _ in Float(generator.nextUnit() * 4 - 2) }
        var logits = [Float](repeating: 0, count: batch * a.classCount)
        var single = [Float](repeating: 0, count: a.classCount)

        func forward(_ count: Int, into output: inout [Float]) {
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    guard let xb = x.baseAddress else { return }
                    network.forward(images: xb, count: count, logits: y.baseAddress)
                }
            }
        }

        // Check before timing: finite outputs, and batch results equal lone-image results.
        forward(batch, into: &logits)
        forward(1, into: &single)
        guard logits.allSatisfy({ $0.isFinite }) else { throw CommandFailure("the engine produced non-finite logits") }
        guard Array(logits[0..<a.classCount]) == single else {
            throw CommandFailure("the engine's batch and single-image results differ")
        }

        var seconds = [Double]()
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            forward(batch, into: &logits)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        seconds.sort()
        let median = seconds[seconds.count / 2]
        let perImage = median / Double(batch)
        let flops = 2 * Double(a.multiplyAccumulatesPerImage)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(
            imagesPerSecond: 1 / perImage, millisecondsPerImage: perImage * 1000, gflops: flops / perImage / 1e9,
            peakResidentBytes: usage.ru_maxrss * 1024)
    }
}
