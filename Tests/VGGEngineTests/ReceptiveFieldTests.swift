import Testing
import VGGCommon
import VGGEngine
import VGGModel

/// The receptive fields `vggbatch explain` prints, checked on the engine's reference kernels:
/// for one unit of every convolution and pool of VGG16, an input pixel just inside its
/// computed field changes it and the pixel just outside leaves it bit for bit the same, on
/// both sides of the field. One channel per layer (the field does not depend on the width)
/// positive weights, no bias and a black image, so that every unit is exactly 0 unless the
/// perturbed pixel reaches it, and then positive: no ReLU, max-pool or rounding can hide it
/// (through the edge of a deep field the change is about 1e-12, far below the rounding of a
/// unit of an ordinary image).
@Suite("Receptive fields")
struct ReceptiveFieldTests {
    static let size = 224

    /// The network up to and including `rows[last]` on a one-channel image.
    static func forward(_ image: [Float], rows: ArraySlice<LayerTable.Row>, weights: [[Float]]) -> [Float] {
        var values = image
        var side = size
        var convolution = 0
        for row in rows {
            if row.kind == .convolution {
                values = ReferenceKernels.convolution3x3(
                    input: values, batch: 1, channels: 1, height: side, width: side, weight: weights[convolution], bias: [0],
                    outputChannels: 1, relu: true)
                convolution += 1
            } else {
                values = ReferenceKernels.maxPool2x2(input: values, planes: 1, height: side, width: side)
                side /= 2
            }
        }
        return values
    }

    @Test func aUnitSeesExactlyItsComputedField() {
        let rows = LayerTable().rows.filter { $0.receptiveField != nil }
        var random = SplitMix64(seed: 7)
        let weights = rows.filter { $0.kind == .convolution }.map { _ in (0..<9).map { _ in Float(0.05 + 0.1 * random.nextUnit()) } }
        let image = [Float](repeating: 0, count: Self.size * Self.size)
        for (index, row) in rows.enumerated() {
            let field = row.receptiveField!
            // The first unit whose field starts inside the image, and its row's middle.
            let unit = (0..<row.output.width).first { field.span(of: $0).lowerBound >= 1 } ?? 0
            let span = field.span(of: unit)
            let middle = min(max((span.lowerBound + span.upperBound) / 2, 0), Self.size - 1)
            let width = row.output.width
            let value = { (pixels: [Float]) in Self.forward(pixels, rows: rows[...index], weights: weights)[unit * width + unit] }
            #expect(value(image) == 0)
            var columns = [(span.lowerBound, true), (span.lowerBound - 1, false)]
            if span.upperBound + 1 < Self.size { columns += [(span.upperBound, true), (span.upperBound + 1, false)] }
            for (column, inside) in columns {
                var perturbed = image
                perturbed[middle * Self.size + column] += 1000
                let changed = value(perturbed) > 0
                #expect(changed == inside, "\(row.name): unit \(unit), field \(span), pixel column \(column) \(inside ? "inside" : "outside")")
            }
        }
    }
}
