import Foundation
import VGGCommon
import VGGEngine
import VGGModel

/// Times full forward passes on seeded random input after checking the outputs.
public struct EngineBenchmark {
    public let network: VGGNetwork
    public let batch: Int
    public let iterations: Int

    public init(network: VGGNetwork, batch: Int, iterations: Int) {
        self.network = network
        self.batch = batch
        self.iterations = iterations
    }

    public struct Result {
        public var imagesPerSecond: Double
        public var millisecondsPerImage: Double
        public var gflops: Double
        public var peakResidentBytes: Int
        /// Per layer, in network order: name, mean milliseconds per image, GFLOP/s.
        public var layers: [(name: String, millisecondsPerImage: Double, gflops: Double)]
    }

    /// Checks the outputs, then times `iterations` passes; the median is reported.
    public func run() throws(InferenceError) -> Result {
        let a = network.architecture
        let imageFloats = a.inputChannels * a.inputHeight * a.inputWidth
        var generator = SplitMix64(seed: 42)
        let input = (0..<(batch * imageFloats)).map { _ in Float(generator.nextUnit() * 4 - 2) }
        var logits = [Float](repeating: 0, count: batch * a.classCount)
        var single = [Float](repeating: 0, count: a.classCount)

        var layerSeconds = [Double](repeating: 0, count: a.layers.count)
        func forward(_ count: Int, into output: inout [Float], timeLayers: Bool = false) {
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    layerSeconds.withUnsafeMutableBufferPointer { times in
                        guard let xb = x.baseAddress else { return }
                        network.forward(images: xb, count: count, logits: y.baseAddress, layerSeconds: timeLayers ? times.baseAddress : nil)
                    }
                }
            }
        }

        // Check before timing: finite outputs, and batch results equal lone-image results.
        forward(batch, into: &logits)
        forward(1, into: &single)
        guard logits.allSatisfy({ $0.isFinite }) else { throw .selfCheck("the engine produced non-finite logits") }
        guard Array(logits[0..<a.classCount]) == single else {
            throw .selfCheck("the engine's batch and single-image results differ")
        }

        var seconds = [Double]()
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            forward(batch, into: &logits, timeLayers: true)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        seconds.sort()
        let median = seconds[seconds.count / 2]
        let perImage = median / Double(batch)
        let flops = 2 * Double(a.multiplyAccumulatesPerImage)
        var layers = [(name: String, millisecondsPerImage: Double, gflops: Double)]()
        var height = a.inputHeight
        var width = a.inputWidth
        var poolIndex = 0
        for (index, layer) in a.layers.enumerated() {
            let perImageSeconds = layerSeconds[index] / Double(iterations * batch)
            var name: String
            var macs = 0
            switch layer {
            case .convolution(let c):
                name = c.name
                macs = c.outputChannels * c.inputChannels * 9 * height * width
            case .maxPool:
                poolIndex += 1
                name = "pool\(poolIndex)"
                height /= 2
                width /= 2
            case .fullyConnected(let f):
                name = f.name
                macs = f.inputs * f.outputs
            }
            layers.append((name, perImageSeconds * 1000, macs == 0 ? 0 : 2 * Double(macs) / perImageSeconds / 1e9))
        }
        return Result(
            imagesPerSecond: 1 / perImage, millisecondsPerImage: perImage * 1000, gflops: flops / perImage / 1e9,
            peakResidentBytes: ProcessMemory.peakResidentBytes(), layers: layers)
    }
}
