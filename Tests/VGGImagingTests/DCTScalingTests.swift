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
        #expect(decoded.info.dctScale == DCTScale(numerator: 1, denominator: denominator))
        #expect(decoded.image.width == width && decoded.image.height == height)
        #expect(decoded.info.storedWidth == 1800 && decoded.info.storedHeight == 1200)
    }

    // With every M/8 allowed the smallest that covers the target wins: 3/8 → 675x450.
    @Test(arguments: [(400, 3, 8, 675, 450), (150, 1, 8, 225, 150), (700, 5, 8, 1125, 750), (1000, 7, 8, 1575, 1050), (1100, 1, 1, 1800, 1200)])
    func eighthsPickTheSmallestCoveringScale(_ minimumSide: Int, _ numerator: Int, _ denominator: Int, _ width: Int, _ height: Int) throws {
        let decoded = try ImageDecoder.decode(
            contentsOf: FixturePaths.imaging("photos/exiforient-Landscape_1.jpg"),
            options: DecodeOptions(minimumDecodedSide: minimumSide, dctEighths: true))
        #expect(decoded.info.dctScale == DCTScale(numerator: numerator, denominator: denominator))
        #expect(decoded.image.width == width && decoded.image.height == height)
    }

    /// The default keeps twice the resize's need (448 for squash at 224): 1800x1200 decodes
    /// at 1/2, not 1/4, so the antialiased resize does the last reduction.
    @Test func theDefaultLeavesTheLastFactorOfTwoToTheResize() throws {
        let prepared = try ImagePreparation().prepare(contentsOf: FixturePaths.imaging("photos/exiforient-Landscape_1.jpg"))
        #expect(prepared.info.dctScale == DCTScale(numerator: 1, denominator: 2))
        #expect(prepared.info.decodedWidth == 900 && prepared.info.decodedHeight == 600)
        let tight = try ImagePreparation(dctMargin: 1).prepare(contentsOf: FixturePaths.imaging("photos/exiforient-Landscape_1.jpg"))
        #expect(tight.info.dctScale == DCTScale(numerator: 1, denominator: 4))
    }

    @Test func orientedFilesScaleBeforeRotating() throws {
        let decoded = try ImageDecoder.decode(
            contentsOf: FixturePaths.sample("exiforient-Landscape_6.jpg"), options: DecodeOptions(minimumDecodedSide: 224))
        #expect(decoded.info.dctScale == DCTScale(numerator: 1, denominator: 4))
        #expect(decoded.image.width == 450 && decoded.image.height == 300)
    }

    @Test func pngAndSmallJPEGsAreNeverScaled() throws {
        let options = DecodeOptions(minimumDecodedSide: 224)
        #expect(try ImageDecoder.decode(contentsOf: FixturePaths.sample("skimage-astronaut.png"), options: options).info.dctScale == .full)
        #expect(try ImageDecoder.decode(contentsOf: FixturePaths.sample("pillow-hopper.jpg"), options: options).info.dctScale == .full)
    }

    @Test(arguments: ResizePolicy.allCases)
    func scaledDecodeGivesNearlyTheSameNetworkInput(_ policy: ResizePolicy) throws {
        let path = FixturePaths.imaging("photos/exiforient-Landscape_1.jpg")
        let scaled = try ImagePreparation(policy: policy, dctScaling: true).prepare(contentsOf: path)
        let full = try ImagePreparation(policy: policy, dctScaling: false).prepare(contentsOf: path)
        #expect(scaled.info.dctScale != .full)
        #expect(full.info.dctScale == .full)
        // The DCT-domain reduction is a slightly different low-pass filter than the triangle
        // resize of a full decode; on this photo the difference is about one grey level.
        let difference = pixelDifference(scaled.resized, full.resized)
        #expect(difference.mean < 2.0, "mean \(difference.mean), max \(difference.max)")
    }
}
