import Testing
import VGGEngine
import VGGModel
import _VGGTestSupport

/// GeM and R-MAC against the float64 NumPy reference of scripts/make_descriptor_goldens.py,
/// and the network's descriptors against its own last convolution.
@Suite("Pooled descriptors")
struct PooledDescriptorsTests {
    static let names = ["square", "wide", "tall", "tiny", "zero"]

    @Test(arguments: names)
    func matchTheNumPyReference(_ name: String) throws {
        let golden = try Golden("pooled-descriptors.safetensors")
        let shape = golden.shape(name)
        let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let maps = try golden.values(name)
        var gem = [Float](repeating: .nan, count: count * channels)
        var rmac = [Float](repeating: .nan, count: count * channels)
        maps.withUnsafeBufferPointer { m in
            gem.withUnsafeMutableBufferPointer { g in
                rmac.withUnsafeMutableBufferPointer { r in
                    for image in 0..<count {
                        let map = m.baseAddress! + image * channels * height * width
                        PooledDescriptors.gem(map, channels: channels, height: height, width: width, into: g.baseAddress! + image * channels)
                        PooledDescriptors.rmac(map, channels: channels, height: height, width: width, into: r.baseAddress! + image * channels)
                    }
                }
            }
        }
        let expectedGeM = try golden.values(name + ".gem")
        let expectedRMAC = try golden.values(name + ".rmac")
        #expect(zip(gem, expectedGeM).allSatisfy { abs($0 - $1) < 1e-6 }, "gem \(gem) vs \(expectedGeM)")
        #expect(zip(rmac, expectedRMAC).allSatisfy { abs($0 - $1) < 1e-6 }, "rmac \(rmac) vs \(expectedRMAC)")
        let regions = try golden.values(name + ".regions")
        let expectedRegions = stride(from: 0, to: regions.count, by: 3).map {
            PooledDescriptors.Region(top: Int(regions[$0]), left: Int(regions[$0 + 1]), size: Int(regions[$0 + 2]))
        }
        #expect(PooledDescriptors.regions(height: height, width: width) == expectedRegions)
    }

    /// VGG16's 14 × 14 conv5_3 map: 1 + 4 + 9 regions of 14, 9 and 7 cells.
    @Test func vgg16RegionsAreTheThreeLevelGrid() {
        let regions = PooledDescriptors.regions(height: 14, width: 14)
        #expect(regions.count == 14)
        #expect(regions.map(\.size) == [14] + Array(repeating: 9, count: 4) + Array(repeating: 7, count: 9))
        #expect(regions.allSatisfy { $0.top + $0.size <= 14 && $0.left + $0.size <= 14 })
    }

    /// The batch outputs' descriptors are those of the last convolution the same pass
    /// computed; that convolution, max-pooled, is ONNX Runtime's pool5; and asking for it
    /// (which stops Winograd fusing the last pool) leaves fc7 as it was.
    @Test(arguments: EngineOptions.ConvolutionAlgorithm.allCases)
    func networkDescriptorsComeFromConv5(_ algorithm: EngineOptions.ConvolutionAlgorithm) throws {
        let golden = try Golden("tiny-vgg-io.safetensors")
        let images = try golden.values("input")
        let network = try VGGNetwork(
            source: try NetworkTests.tinyWeights(), options: EngineOptions(threads: 2, maxBatchSize: 3, convolutionAlgorithm: algorithm))
        let shape = network.architecture.lastConvolutionShape
        #expect(shape.channels == 16 && shape.height == 4 && shape.width == 3)
        let plane = shape.height * shape.width
        var maps = [Float](repeating: 0, count: 3 * shape.channels * plane)
        var fc7 = [Float](repeating: 0, count: 3 * network.architecture.featureWidth)
        images.withUnsafeBufferPointer { x in
            maps.withUnsafeMutableBufferPointer { m in
                fc7.withUnsafeMutableBufferPointer { f in
                    network.forward(images: x.baseAddress!, count: 3, fc7: f.baseAddress, lastConvolution: m.baseAddress)
                }
            }
        }
        let outputs = network.forward(images, count: 3)
        #expect(outputs.descriptorWidth == 16)
        // pool5 = 2 × 2 max-pool of the 4 × 3 map (the last column dropped).
        var pooled = [Float]()
        for image in 0..<3 {
            for c in 0..<shape.channels {
                let base = (image * shape.channels + c) * plane
                for y in 0..<2 {
                    let values = [maps[base + 2 * y * 3], maps[base + 2 * y * 3 + 1], maps[base + (2 * y + 1) * 3], maps[base + (2 * y + 1) * 3 + 1]]
                    pooled.append(values.max()!)
                }
            }
        }
        #expect(normwiseError(pooled, try golden.values("pool5")) < 1e-4)
        #expect(fc7 == outputs.features)
        let unfused = NetworkTests.run(network, images: images, count: 3).fc7
        #expect(normwiseError(outputs.features, unfused) < 1e-5)
        for image in 0..<3 {
            var gem = [Float](repeating: 0, count: 16)
            var rmac = [Float](repeating: 0, count: 16)
            maps.withUnsafeBufferPointer { m in
                let map = m.baseAddress! + image * 16 * plane
                PooledDescriptors.gem(map, channels: 16, height: 4, width: 3, into: &gem)
                PooledDescriptors.rmac(map, channels: 16, height: 4, width: 3, into: &rmac)
            }
            #expect(Array(outputs.gem(of: image)) == gem)
            #expect(Array(outputs.rmac(of: image)) == rmac)
            #expect(abs(gem.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5 && abs(rmac.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
    }
}
