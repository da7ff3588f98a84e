import Foundation
import Testing
import VGGCommon
@testable import VGGImaging
import _VGGTestSupport

/// HEIC, AVIF, WebP, TIFF and DNG through their libraries, against a reference decoder
/// independent of vggbatch's (scripts/make_format_fixtures.py: pillow-heif, Pillow, the
/// preview JPEG) on 32×32 reductions of the upright image.
@Suite("Photo formats")
struct FormatDecodingTests {
    struct Expected: Decodable {
        var width: Int
        var height: Int
        var reference: String
        var rgb32: String?
        var converted: String?
    }

    static let expected: [String: Expected] = {
        let url = URL(fileURLWithPath: FixturePaths.imaging("formats/expected.json"))
        return (try? JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: url))) ?? [:]
    }()

    static func path(_ name: String) -> String { FixturePaths.imaging("formats/\(name)") }

    static func decode(_ name: String, options: DecodeOptions = DecodeOptions()) throws -> DecodedImage {
        try ImageDecoder.decode(contentsOf: path(name), options: options)
    }

    /// Mean absolute difference, on 0–255, between the image reduced to 32×32 and a reference.
    static func difference(_ image: RGBImage, _ reference: String?) throws -> Double {
        let expected = try #require(reference.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) })
        let small = ResizePolicy.squash.apply(to: image, size: 32)
        return zip(small.pixels, expected).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(expected.count)
    }

    /// Every file: its format from its content, its upright size, its pixels.
    @Test(arguments: [
        ("photo.heic", ImageFormat.heic, 1.0), ("rot90.heic", .heic, 1.0), ("rot180.heic", .heic, 1.0), ("rot270.heic", .heic, 1.0),
        ("mirror-h.heic", .heic, 1.0), ("mirror-v.heic", .heic, 1.0), ("rot90-mirror.heic", .heic, 1.0), ("alpha.heic", .heic, 1.0),
        ("photo10.heic", .heic, 1.0), ("multi.heic", .heic, 1.0), ("grid.heic", .heic, 1.0), ("grid-rot90.heic", .heic, 1.0),
        ("photo.avif", .avif, 1.0), ("photo12.avif", .avif, 1.0),
        ("lossy.webp", .webp, 1.0), ("lossless.webp", .webp, 0.01), ("alpha.webp", .webp, 1.0), ("animated.webp", .webp, 1.0),
        ("orient6.webp", .webp, 1.0), ("rgb8.tif", .tiff, 0.01), ("rgb16.tif", .tiff, 0.6), ("gray.tif", .tiff, 0.01),
        ("palette.tif", .tiff, 0.01), ("cmyk.tif", .tiff, 1.0), ("alpha.tif", .tiff, 1.0), ("orient6.tif", .tiff, 0.01),
        ("pages.tif", .tiff, 0.01), ("preview.dng", .raw, 1.0),
    ])
    func decodesAsTheReferenceDecoderDoes(name: String, format: ImageFormat, tolerance: Double) throws {
        let expected = try #require(Self.expected[name], "run scripts/make_format_fixtures.py")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path(name))))
        #expect(ImageFormat.sniff(bytes) == format)
        // Full size, so that the comparison is of decoders and not of reduced decoding.
        let decoded = try Self.decode(name, options: DecodeOptions(convertsColor: false))
        #expect(decoded.info.format == format)
        #expect(decoded.image.width == expected.width && decoded.image.height == expected.height, "\(name): \(decoded.image.width)x\(decoded.image.height)")
        let difference = try Self.difference(decoded.image, expected.rgb32)
        #expect(difference <= tolerance, "\(name): mean difference \(difference) from \(expected.reference)")
        #expect(decoded.info.detail?.isEmpty == false)
    }

    /// HEIF's irot/imir transforms, at full size: each file is the same coded picture as
    /// photo.heic with transform properties added, so it must come out as exactly one of the
    /// eight turns and flips of it, pixel for pixel (the 32×32 comparison with pillow-heif
    /// above says which one).
    @Test(arguments: [("rot90.heic", 8), ("rot180.heic", 3), ("rot270.heic", 6), ("mirror-h.heic", 2), ("mirror-v.heic", 4), ("rot90-mirror.heic", 5)])
    func heifTransformsMatchAtFullSize(name: String, orientation: Int) throws {
        let upright = try Self.decode("photo.heic").image
        let turned = try Self.decode(name).image
        let expected = upright.oriented(try #require(Orientation(rawValue: orientation)))
        #expect(turned.width == expected.width && turned.pixels == expected.pixels, "\(name) is not orientation \(orientation) of photo.heic")
    }

    /// HEIF's own transforms turn the image; its EXIF orientation is not applied on top.
    @Test func heifTransformsAreAppliedOnce() throws {
        let upright = try Self.decode("photo.heic").image
        let turned = try Self.decode("rot90.heic")
        #expect(turned.info.orientation == .up && turned.image.width == upright.height && turned.image.height == upright.width)
        // irot 1 is a quarter turn counter-clockwise: the top-right corner comes to the top left.
        let corner = { (image: RGBImage, x: Int, y: Int) in Array(image.pixels[(3 * (y * image.width + x))..<(3 * (y * image.width + x) + 3)]) }
        let a = corner(upright, upright.width - 1, 0).map(Int.init)
        let b = corner(turned.image, 0, 0).map(Int.init)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 12 }, "\(a) vs \(b)")
    }

    @Test func aDisplayP3ProfileIsConvertedToSRGB() throws {
        let expected = try #require(Self.expected["p3.heic"])
        let converted = try Self.decode("p3.heic")
        #expect(converted.info.colorProfile == .converted("Display P3"))
        #expect(try Self.difference(converted.image, expected.converted) <= 2.0)
        let asStored = try Self.decode("p3.heic", options: DecodeOptions(convertsColor: false))
        #expect(asStored.info.colorProfile == .ignored("Display P3, conversion off"))
        #expect(try Self.difference(asStored.image, expected.rgb32) <= 2.0)
        // A file without a profile is taken as sRGB.
        #expect(try Self.decode("photo.heic").info.colorProfile == .none)
    }

    /// A RAW file's preview when it is large enough (turned by the camera's orientation),
    /// else a half-size demosaic.
    @Test func rawFilesUseTheirPreviewOrADemosaic() throws {
        let preview = try Self.decode("preview.dng", options: DecodeOptions(minimumDecodedSide: 448))
        #expect(preview.info.detail?.contains("preview") == true && preview.info.orientation == Orientation(rawValue: 6))
        #expect(preview.image.width == 480 && preview.image.height == 720)
        let small = try Self.decode("small-preview.dng", options: DecodeOptions(minimumDecodedSide: 448))
        #expect(small.info.detail?.contains("demosaic") == true)
        #expect(small.image.width == 128 && small.image.height == 128)
        // The demosaic is the photo, not noise: its mean is the preview's, near enough.
        let mean = Double(small.image.pixels.reduce(0) { $0 + Int($1) }) / Double(small.image.pixels.count)
        #expect(mean > 60 && mean < 200, "\(mean)")
    }

    /// WebP decodes at a reduced size when allowed, keeping both sides at least the minimum.
    @Test func webpScalesWhileDecoding() throws {
        let full = try Self.decode("lossy.webp")
        let reduced = try Self.decode("lossy.webp", options: DecodeOptions(minimumDecodedSide: 100))
        // Half as much again as asked (libwebp's rescaler): 150.
        #expect(full.image.width == 320 && min(reduced.image.width, reduced.image.height) == 150)
        #expect(reduced.info.storedWidth == 320)
    }

    /// A grid (as iPhones store photos: hidden tiles joined by libheif) comes out whole, in
    /// row-major tile order, cropped to its declared size; a grid declaring 65535×65535 is
    /// refused before anything is allocated.
    @Test func heifGridsAreAssembledAndBombsRefused() throws {
        let grid = try Self.decode("grid.heic")
        #expect(grid.image.width == 280 && grid.image.height == 180)
        let turned = try Self.decode("grid-rot90.heic")
        #expect(turned.image.width == 180 && turned.image.height == 280)
        for maxPixels in [DecodeOptions.defaultMaxPixels, 1000] {
            #expect {
                try Self.decode("grid-bomb.heic", options: DecodeOptions(maxPixels: maxPixels))
            } throws: { error in
                guard case .tooLarge = error as? ImagingError else { return false }
                return true
            }
        }
    }

    /// libheif 1.15 sizes an overlay's canvas from the item's data unchecked (this 6 KB file
    /// made it allocate 2.3 GB): overlays are refused before libheif reads the file.
    @Test func heifOverlaysAreRefusedBeforeLibheifAllocates() throws {
        #expect {
            try Self.decode("overlay.heic")
        } throws: { error in
            guard case .unsupported(_, let reason) = error as? ImagingError else { return false }
            return reason.contains("iovl")
        }
    }

    /// libavcodec and libde265 are both conforming HEVC decoders: the same pixels, bit for bit,
    /// whichever decodes the tiles; `inspect` names the one that did.
    @Test(arguments: ["photo.heic", "rot90-mirror.heic", "alpha.heic", "photo10.heic", "multi.heic", "grid.heic", "p3.heic"])
    func libavcodecDecodesHEVCAsLibde265Does(name: String) throws {
        #expect(DecodeOptions.HEVCDecoder.libavcodecAvailable, "libavcodec59 is installed by scripts/install-deps")
        var options = DecodeOptions(convertsColor: false)
        let fastest = try Self.decode(name, options: options)
        options.hevcDecoder = .libde265
        let reference = try Self.decode(name, options: options)
        #expect(fastest.image == reference.image)
        #expect(fastest.info.detail?.hasSuffix("HEVC by libavcodec") == true, "\(fastest.info.detail ?? "")")
        #expect(reference.info.detail?.hasSuffix("HEVC by libde265") == true)
    }

    /// Decompression bombs are refused from their header, damaged files with a reason.
    @Test(arguments: ["photo.heic", "photo.avif", "lossy.webp", "rgb8.tif", "preview.dng", "animated.webp"])
    func oversizedAndDamagedFilesAreRefused(name: String) throws {
        #expect(throws: ImagingError.self) { try Self.decode(name, options: DecodeOptions(maxPixels: 1000)) }
        do {
            _ = try Self.decode(name, options: DecodeOptions(maxPixels: 1000))
        } catch let error as ImagingError {
            guard case .tooLarge = error else {
                Issue.record("\(name): \(error)")
                return
            }
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path(name))))
        // A DNG's preview comes before its raw data: cut after it, the preview still decodes.
        for cut in name.hasSuffix(".dng") ? [64, 2000] : [bytes.count / 2, 64] {
            #expect(throws: ImagingError.self, "\(name) cut at \(cut)") {
                try ImageDecoder.decode(bytes: Array(bytes.prefix(cut)), path: name)
            }
        }
    }
}
