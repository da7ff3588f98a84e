import VGGIndexTypes
import Testing
import VGGCommon
import VGGSearch

/// The int8 form of the fc7 vectors: its error bound must be a true bound, or `similar`
/// could miss a result.
@Suite("Feature codes")
struct FeatureCodeTests {
    static func unit(_ v: [Float]) -> [Double] {
        let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return v.map { Double($0) / norm }
    }

    static func expectBound(_ vector: [Float], _ code: FeatureCode, _ context: String) {
        let unit = Self.unit(vector)
        var squared = 0.0
        for (i, u) in unit.enumerated() {
            let difference = u - Double(code.scale) * Double(code.code[i])
            squared += difference * difference
        }
        #expect(squared.squareRoot() <= Double(code.error), "\(context)")
        #expect(code.code.allSatisfy { $0 >= -127 })
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func errorBoundsTheReconstruction(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for dimension in [1, 7, 64, 4096] {
            // As after a ReLU: half zeros. Not scaled to unit length.
            let relu = (0..<dimension).map { _ in Float(max(0, random.nextGaussian()) * 3) } + [1]
            let code = FeatureCode(vector: relu)
            Self.expectBound(relu, code, "ReLU, dimension \(dimension)")
            #expect(code.error < 0.01, "ReLU, dimension \(dimension)")
            // A heavy tail (cubes): a coarse step, and the bound still holds.
            let heavy = (0..<dimension).map { _ -> Float in
                let x = random.nextGaussian()
                return Float(x * x * x)
            } + [1]
            Self.expectBound(heavy, FeatureCode(vector: heavy), "heavy tail, dimension \(dimension)")
        }
    }

    @Test func negativeEntriesAndTheBytesAsStored() {
        let code = FeatureCode(vector: [-3, 4, 0])
        #expect(code.code == [-95, 127, 0])
        #expect(code.bytes == [UInt8(bitPattern: -95), 127, 0])
        #expect(abs(code.scale - 0.8 / 127) < 1e-9)
    }

    @Test func vectorsWithoutADirectionGetAZeroCode() {
        for vector: [Float] in [[0, 0, 0], [1, .nan, 2], [.infinity, 0, 0]] {
            let code = FeatureCode(vector: vector)
            #expect(code.code == [0, 0, 0] && code.scale == 0 && code.error == 0)
        }
    }
}
