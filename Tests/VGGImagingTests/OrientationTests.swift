import Testing
import VGGImaging

/// A 3x2 image whose pixel with label `p` (row-major, 0...5) is (p, p + 100, p + 200), so a
/// wrong pixel and a wrong channel order both show.
private let source = labelledImage(width: 3, height: 2, labels: [
    0, 1, 2,
    3, 4, 5,
])

private func labelledImage(width: Int, height: Int, labels: [UInt8]) -> RGBImage {
    RGBImage(width: width, height: height, pixels: labels.flatMap { [$0, $0 &+ 100, $0 &+ 200] })
}

/// An image of awkward size whose every byte differs from its neighbours.
private func patternImage(width: Int, height: Int) -> RGBImage {
    let count = width * height * 3
    let pixels = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// The source pixel for destination pixel (x, y), written per case from the EXIF
/// definitions without the affine table the implementation uses.
private func sourceCoordinate(
    _ orientation: Orientation, x: Int, y: Int, width w: Int, height h: Int
) -> (x: Int, y: Int) {
    switch orientation {
    case .up: return (x, y)
    case .mirrorHorizontal: return (w - 1 - x, y)
    case .rotate180: return (w - 1 - x, h - 1 - y)
    case .mirrorVertical: return (x, h - 1 - y)
    case .transpose: return (y, x)
    case .rotate90Clockwise: return (y, h - 1 - x)
    case .transverse: return (w - 1 - y, h - 1 - x)
    case .rotate90CounterClockwise: return (w - 1 - y, x)
    }
}

/// Plain per-pixel reference, kept as the oracle for `oriented(_:)`.
private func referenceOriented(_ image: RGBImage, _ orientation: Orientation) -> RGBImage {
    let outWidth = orientation.swapsAxes ? image.height : image.width
    let outHeight = orientation.swapsAxes ? image.width : image.height
    var out = RGBImage(width: outWidth, height: outHeight)
    for y in 0..<outHeight {
        for x in 0..<outWidth {
            let s = sourceCoordinate(orientation, x: x, y: y, width: image.width, height: image.height)
            for c in 0..<3 {
                out.pixels[(y * outWidth + x) * 3 + c] = image.pixels[(s.y * image.width + s.x) * 3 + c]
            }
        }
    }
    return out
}

@Suite("Orientation")
struct OrientationTests {
    @Test("Raw values are the EXIF values 1...8")
    func rawValues() {
        #expect(Orientation.allCases.map(\.rawValue) == Array(1...8))
    }

    @Test("Only orientations 5-8 swap axes")
    func swapsAxes() {
        let swapping = Orientation.allCases.filter(\.swapsAxes).map(\.rawValue)
        #expect(swapping == [5, 6, 7, 8])
    }

    @Test("Out-of-range tag values mean upright", arguments: [0, 9, -1, 65535, Int.min, Int.max])
    func garbageIsUp(value: Int) {
        #expect(Orientation(exifValue: value) == .up)
    }

    @Test("In-range tag values map to their case", arguments: 1...8)
    func validValues(value: Int) {
        #expect(Orientation(exifValue: value).rawValue == value)
    }

    @Test("Each orientation turns a 3x2 image upright", arguments: [
        (Orientation.up, 3, 2, [0, 1, 2, 3, 4, 5] as [UInt8]),
        (.mirrorHorizontal, 3, 2, [2, 1, 0, 5, 4, 3]),
        (.rotate180, 3, 2, [5, 4, 3, 2, 1, 0]),
        (.mirrorVertical, 3, 2, [3, 4, 5, 0, 1, 2]),
        (.transpose, 2, 3, [0, 3, 1, 4, 2, 5]),
        (.rotate90Clockwise, 2, 3, [3, 0, 4, 1, 5, 2]),
        (.transverse, 2, 3, [5, 2, 4, 1, 3, 0]),
        (.rotate90CounterClockwise, 2, 3, [2, 5, 1, 4, 0, 3]),
    ])
    func handWrittenLayouts(orientation: Orientation, width: Int, height: Int, labels: [UInt8]) {
        let expected = labelledImage(width: width, height: height, labels: labels)
        #expect(source.oriented(orientation) == expected)
    }

    @Test("Upright images come back unchanged")
    func upIsIdentity() {
        let image = patternImage(width: 9, height: 7)
        #expect(image.oriented(.up) == image)
    }

    @Test(
        "Matches the per-pixel reference on awkward sizes",
        arguments: Orientation.allCases, [(1, 1), (1, 5), (5, 1), (9, 7), (7, 9), (16, 16)])
    func matchesReference(orientation: Orientation, size: (width: Int, height: Int)) {
        let image = patternImage(width: size.width, height: size.height)
        #expect(image.oriented(orientation) == referenceOriented(image, orientation))
    }

    @Test("Turning back and forth restores the image", arguments: [
        (Orientation.rotate90Clockwise, Orientation.rotate90CounterClockwise),
        (.rotate90CounterClockwise, .rotate90Clockwise),
        (.rotate180, .rotate180),
        (.mirrorHorizontal, .mirrorHorizontal),
        (.mirrorVertical, .mirrorVertical),
        (.transpose, .transpose),
        (.transverse, .transverse),
    ])
    func inverses(first: Orientation, second: Orientation) {
        let image = patternImage(width: 9, height: 7)
        #expect(image.oriented(first).oriented(second) == image)
    }

    @Test("Transforms compose as the geometry says", arguments: [
        // (first, then, equals)
        (Orientation.rotate90Clockwise, Orientation.rotate90Clockwise, Orientation.rotate180),
        (.rotate90CounterClockwise, .rotate90CounterClockwise, .rotate180),
        (.mirrorHorizontal, .mirrorVertical, .rotate180),
        (.rotate90Clockwise, .mirrorHorizontal, .transpose),
        (.rotate90Clockwise, .mirrorVertical, .transverse),
    ])
    func compositions(first: Orientation, then second: Orientation, equals combined: Orientation) {
        let image = patternImage(width: 9, height: 7)
        #expect(image.oriented(first).oriented(second) == image.oriented(combined))
    }
}
