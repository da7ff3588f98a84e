import Testing
import VGGImaging
import _VGGTestSupport

/// Large JPEGs decode at a reduced DCT scale, never below what the resize needs.
@Suite("DCT-scaled JPEG decoding")
struct DCTScalingTests {
    // exiforient-Landscape_1.jpg is 1800x1200: 1/2 → 900x600, 1/4 → 450x300, 1/8 → 225x150.
    @Test(arguments: [
        (100, 8, 225, 150), (150, 8, 225, 150), (151, 4, 450, 300), (300, 4, 450, 300),
        (301, 2, 900, 600), (600, 2, 900, 600), (601, 1, 1800, 1200),
    ])
    func picksTheSmallestScaleThatCoversTheTarget(_ minimumSide: Int, _ denominator: Int, _ width: Int, _ height: Int) throws {
        let decoded = try ImageDecoder.decode(
            contentsOf: FixturePaths.imaging("photos/exiforient-Landscape_1.jpg"),
            options: DecodeOptions(minimumDecodedSide: minimumSide))
        #expect(decoded.info.dctScaleDenominator == denominator)
        #expect(decoded.image.width == width && decoded.image.height == height)
        #expect(decoded.info.storedWidth == 1800 && decoded.info.storedHeight == 1200)
    }

    @Test func orientedFilesScaleBeforeRotating() throws {
        let decoded = try ImageDecoder.decode(
            contentsOf: FixturePaths.sample("exiforient-Landscape_6.jpg"), options: DecodeOptions(minimumDecodedSide: 224))
        #expect(decoded.info.dctScaleDenominator == 4)
        #expect(decoded.image.width == 450 && decoded.image.height == 300)
    }

    @Test func pngAndSmallJPEGsAreNeverScaled() throws {
        let options = DecodeOptions(minimumDecodedSide: 224)
        #expect(try ImageDecoder.decode(contentsOf: FixturePaths.sample("skimage-astronaut.png"), options: options).info.dctScaleDenominator == 1)
        #expect(try ImageDecoder.decode(contentsOf: FixturePaths.sample("pillow-hopper.jpg"), options: options).info.dctScaleDenominator == 1)
    }

    @Test(arguments: ResizePolicy.allCases)
    func scaledDecodeGivesNearlyTheSameNetworkInput(_ policy: ResizePolicy) throws {
        let path = FixturePaths.imaging("photos/exiforient-Landscape_1.jpg")
        let scaled = try ImagePreparation(policy: policy, dctScaling: true).prepare(contentsOf: path)
        let full = try ImagePreparation(policy: policy, dctScaling: false).prepare(contentsOf: path)
        #expect(scaled.info.dctScaleDenominator > 1)
        #expect(full.info.dctScaleDenominator == 1)
        // The DCT-domain reduction is a slightly different low-pass filter than the triangle
        // resize of a full decode; on this photo the difference is about one grey level.
        let difference = pixelDifference(scaled.resized, full.resized)
        #expect(difference.mean < 2.0, "mean \(difference.mean), max \(difference.max)")
    }
}
