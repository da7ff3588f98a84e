import Testing
import VGGImaging
import _VGGTestSupport

/// EXIF orientation on real files: each oriented copy decodes to the same upright picture.
@Suite("EXIF orientation of real photos")
struct OrientationFileTests {
    @Test(arguments: 2...8)
    func hopperOrientationsDecodeUpright(_ value: Int) throws {
        let upright = try ImageDecoder.decode(contentsOf: FixturePaths.sample("pillow-hopper.jpg")).image
        let decoded = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("photos/pillow-hopper_orientation_\(value).jpg"))
        #expect(decoded.info.orientation.rawValue == value)
        let difference = pixelDifference(decoded.image, upright)
        // The oriented copies were re-encoded after transforming, so JPEG noise remains:
        // Pillow's exif_transpose gives the same 4.65-4.85 mean difference on these files,
        // while the stored (untransformed) pixels or any wrong transform differ by 59 or more.
        #expect(difference.mean < 6.0, "mean \(difference.mean)")
    }

    @Test func ignoringOrientationWouldBeCaught() throws {
        // Guards the test above: the stored (unrotated) pixels are far from upright.
        let upright = try ImageDecoder.decode(contentsOf: FixturePaths.sample("pillow-hopper.jpg")).image
        let rotated = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("photos/pillow-hopper_orientation_6.jpg")).image
        let back = rotated.oriented(.rotate90CounterClockwise)
        #expect(pixelDifference(back, upright).mean > 20)
    }

    @Test(arguments: [(0, 1), (1, 1), (3, 3), (6, 6), (8, 8)])
    func landscapeOrientations(_ file: Int, _ applied: Int) throws {
        let path = file == 6 ? FixturePaths.sample("exiforient-Landscape_6.jpg")
            : FixturePaths.imaging("photos/exiforient-Landscape_\(file).jpg")
        let decoded = try ImageDecoder.decode(contentsOf: path)
        #expect(decoded.info.orientation.rawValue == applied)  // 0 is invalid and means upright
        #expect(decoded.info.uprightWidth == 1800 && decoded.info.uprightHeight == 1200)
        #expect(decoded.image.width == 1800 && decoded.image.height == 1200)
        // Same scene as Landscape_1 apart from the big digit in the middle.
        let reference = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("photos/exiforient-Landscape_1.jpg")).image
        let difference = pixelDifference(
            Resampler.resize(decoded.image, width: 90, height: 60), Resampler.resize(reference, width: 90, height: 60))
        #expect(difference.mean < 6.0, "mean \(difference.mean)")
    }
}
