import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

@Suite("Decoding real files")
struct ImageDecoderTests {
    // MARK: Format detection

    @Test func pngNamedJpgDecodesAsPNG() throws {
        let decoded = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("generated/png-named.jpg"))
        #expect(decoded.info.format == .png)
        let original = try ImageDecoder.decode(contentsOf: FixturePaths.sample("pillow-hopper.png"))
        #expect(decoded.image == original.image)
    }

    @Test func textNamedJpgIsUnknownFormat() {
        let error = decodeError(FixturePaths.imaging("generated/text-named.jpg"))
        guard case .unknownFormat(_, let magic) = error else {
            Issue.record("expected unknownFormat, got \(String(describing: error))")
            return
        }
        #expect(magic.hasPrefix("74 68 69 73"))
        #expect(error?.reason.contains("not a JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW file") == true)
    }

    /// Found by fuzzing: a 5.7 KB PNG whose pCAL chunk states 1.8 GB made libpng allocate
    /// that much. Refused from the chunk walk, before libpng sees it.
    @Test func chunkLongerThanTheFileIsRefusedBeforeLibpng() {
        let path = FixturePaths.repositoryRoot.appendingPathComponent("Fuzz/Regressions/png/pcal-length-1.8GB.png").path
        let error = decodeError(path)
        #expect(error == .corrupt(path: path, reason: "PNG chunk pCAL claims 1869504876 bytes, more than the 5759-byte file holds"))
    }

    @Test func emptyFileIsReported() {
        #expect(decodeError(FixturePaths.imaging("generated/empty.jpg")) == .empty(path: FixturePaths.imaging("generated/empty.jpg")))
    }

    @Test func missingFileAndDirectoryAreUnreadable() {
        let missing = FixturePaths.imaging("generated/does-not-exist.jpg")
        guard case .unreadable(_, let reason) = decodeError(missing) else {
            Issue.record("missing file should be unreadable")
            return
        }
        #expect(reason.contains("No such file"))
        guard case .unreadable(_, let directoryReason) = decodeError(FixturePaths.imaging("generated")) else {
            Issue.record("directory should be unreadable")
            return
        }
        #expect(directoryReason == "a directory")
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let directory = TemporaryDirectory()
        let fifo = directory.path("pipe.jpg")
        #expect(mkfifo(fifo, 0o600) == 0)
        guard case .unreadable(_, let reason) = decodeError(fifo) else {
            Issue.record("a FIFO must be refused")
            return
        }
        #expect(reason == "not a regular file")
    }

    // MARK: JPEG kinds

    struct JPEGCase: Sendable, CustomTestStringConvertible {
        let path: String
        let width: Int
        let height: Int
        let colorModel: String
        let progressive: Bool
        let arithmetic: Bool
        var testDescription: String { (path as NSString).lastPathComponent }
    }

    static let jpegCases: [JPEGCase] = [
        JPEGCase(path: FixturePaths.sample("ljt-testorig.jpg"), width: 227, height: 149, colorModel: "ycbcr", progressive: false, arithmetic: false),
        JPEGCase(path: FixturePaths.imaging("bad/pillow/icc_profile_big.jpg"), width: 425, height: 250, colorModel: "ycbcr", progressive: true, arithmetic: false),
        JPEGCase(path: FixturePaths.imaging("bad/libjpeg-turbo/testimgari.jpg"), width: 227, height: 149, colorModel: "ycbcr", progressive: false, arithmetic: true),
        JPEGCase(path: FixturePaths.imaging("photos/pillow-hopper_gray.jpg"), width: 128, height: 128, colorModel: "gray", progressive: false, arithmetic: false),
        JPEGCase(path: FixturePaths.imaging("bad/pillow/pil_sample_cmyk.jpg"), width: 100, height: 100, colorModel: "ycck", progressive: false, arithmetic: false),
        JPEGCase(path: FixturePaths.imaging("bad/pillow/app13.jpg"), width: 4, height: 4, colorModel: "ycbcr", progressive: false, arithmetic: false),
        JPEGCase(path: FixturePaths.imaging("bad/pillow/icc-after-SOF.jpg"), width: 10, height: 10, colorModel: "gray", progressive: false, arithmetic: false),
        JPEGCase(path: FixturePaths.imaging("bad/pillow/hopper_16bit_qtables.jpg"), width: 128, height: 128, colorModel: "ycbcr", progressive: false, arithmetic: false),
    ]

    @Test(arguments: jpegCases)
    func jpegKindsDecode(_ c: JPEGCase) throws {
        let decoded = try ImageDecoder.decode(contentsOf: c.path)
        #expect(decoded.info.format == .jpeg)
        #expect(decoded.info.storedWidth == c.width && decoded.info.storedHeight == c.height)
        #expect(decoded.image.width == c.width && decoded.image.height == c.height)
        #expect(decoded.info.colorModel == c.colorModel)
        #expect(decoded.info.interlaced == c.progressive)
        #expect(decoded.info.arithmeticCoded == c.arithmetic)
        #expect(decoded.info.bitDepth == 8)
    }

    @Test func arithmeticMatchesHuffmanCodedOriginal() throws {
        // testimgari.jpg is the libjpeg test image re-encoded with arithmetic coding: same
        // quantised coefficients as testorig.jpg, so the pixels must match closely.
        let arithmetic = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("bad/libjpeg-turbo/testimgari.jpg")).image
        let huffman = try ImageDecoder.decode(contentsOf: FixturePaths.sample("ljt-testorig.jpg")).image
        #expect(pixelDifference(arithmetic, huffman).mean < 1.0)
    }

    @Test func grayscaleJPEGBecomesEqualRGB() throws {
        let image = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("photos/pillow-hopper_gray.jpg")).image
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            #expect(image.pixels[i] == image.pixels[i + 1] && image.pixels[i] == image.pixels[i + 2])
            if image.pixels[i] != image.pixels[i + 1] { break }
        }
    }

    @Test func adobeCMYKMatchesItsRGBTwin() throws {
        // pil_sample_cmyk.jpg (Adobe, inverted YCCK) and pil_sample_rgb.jpg are the same
        // picture ("RED" text). Treating the CMYK samples as non-inverted or as RGB would
        // give a negative or a colour-shifted image, far beyond this bound.
        let cmyk = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("bad/pillow/pil_sample_cmyk.jpg")).image
        let rgb = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("bad/pillow/pil_sample_rgb.jpg")).image
        let difference = pixelDifference(cmyk, rgb)
        #expect(difference.mean < 6.0, "mean \(difference.mean), max \(difference.max)")
    }

    @Test func twelveBitJPEGIsRejectedClearly() {
        let path = FixturePaths.imaging("bad/libjpeg-turbo/monkey12.jpg")
        #expect(decodeError(path) == .unsupported(path: path, reason: "12-bit JPEG (only 8-bit samples are supported)"))
    }

    // MARK: Truncation and corruption

    @Test(arguments: [
        "bad/pillow/truncated_jpeg.jpg",  // progressive, cut in the middle of the scans
        "generated/truncated-baseline.jpg",  // baseline, first half only
    ])
    func truncatedJPEGIsRejected(_ name: String) {
        let error = decodeError(FixturePaths.imaging(name))
        guard case .truncated(_, let reason) = error else {
            Issue.record("expected truncated, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("Premature end of JPEG file"))
    }

    @Test func corruptEntropyDataIsRejected() {
        // Extraneous bytes before an RST marker inside the scan: libjpeg resyncs and fills grey.
        let error = decodeError(FixturePaths.imaging("bad/pillow/hopper_bad_exif.jpg"))
        guard case .corrupt(_, let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("extraneous bytes before marker 0xd"))  // an RST marker, D0-D7
    }

    @Test func ultraHDRWithMissingDataIsRejected() {
        let error = decodeError(FixturePaths.imaging("bad/pillow/ultrahdr.jpg"))
        #expect(error?.kind == "truncated" || error?.kind == "corrupt", "got \(String(describing: error))")
    }

    @Test func strayBytesBetweenHeaderSegmentsOnlyWarn() throws {
        let decoded = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("bad/pillow/junk_jpeg_header.jpg"))
        #expect(decoded.info.warningCount >= 1)
        #expect(decoded.info.firstWarning?.contains("extraneous bytes before marker 0xdb") == true)
    }

    @Test func truncatedPNGIsRejected() {
        let error = decodeError(FixturePaths.imaging("bad/pillow/truncated_image.png"))
        #expect(error?.kind == "truncated", "got \(String(describing: error))")
    }

    // MARK: PNG specifics

    @Test func sixteenBitIsScaledNotClipped() throws {
        let image = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("generated/gray16-ramp.png")).image
        let gray = stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
        #expect(gray == [0, 1, 128, 255, 254, 0])
    }

    @Test func alphaIsCompositedOverWhite() throws {
        let decoded = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("generated/rgba-composite.png"))
        #expect(decoded.info.hasAlpha)
        #expect(decoded.image.pixels == [255, 255, 255, 255, 127, 127, 255, 0, 0, 0, 0, 0])
    }

    @Test func paletteWithTransparencyIsInterlacedAndComposited() throws {
        let decoded = try ImageDecoder.decode(contentsOf: FixturePaths.sample("libpng-toucan.png"))
        #expect(decoded.info.colorModel == "palette")
        #expect(decoded.info.interlaced)
        #expect(decoded.info.hasAlpha)
        #expect(decoded.image.width == 162 && decoded.image.height == 150)
    }

    @Test func interlacedMatchesNonInterlaced() throws {
        // PngSuite basi* and basn* hold the same pixels, once with Adam7 and once without.
        for name in ["0g01", "0g16", "2c08", "2c16", "3p04", "4a16", "6a08", "6a16"] {
            let interlaced = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("bad/pngsuite/basi\(name).png")).image
            let plain = try ImageDecoder.decode(contentsOf: FixturePaths.imaging("bad/pngsuite/basn\(name).png")).image
            #expect(interlaced == plain, "basi\(name) differs from basn\(name)")
        }
    }

    @Test func appleCgBIIsRejectedClearly() {
        let error = decodeError(FixturePaths.imaging("bad/pngsuite-iphone-cgbi/iphone_basi0g01.png"))
        guard case .unsupported(_, let reason) = error else {
            Issue.record("expected unsupported, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("Apple CgBI PNG"))
    }

    // MARK: Limits

    @Test(arguments: [
        ("generated/bomb-png-30000x30000.png", 30000, 30000),
        ("generated/bomb-png-ihdr-100000.png", 100000, 100000),
        ("generated/bomb-jpeg-65000.jpg", 65000, 65000),
    ])
    func bombsAreRejectedFromTheHeader(_ name: String, _ width: Int, _ height: Int) {
        let path = FixturePaths.imaging(name)
        let before = peakResidentBytes()
        let error = decodeError(path)
        let grown = peakResidentBytes() - before
        #expect(error == .tooLarge(path: path, width: width, height: height, limit: DecodeOptions.defaultMaxPixels))
        // Decoding even the smallest of these would need gigabytes; the check must come first.
        #expect(grown < 64 << 20, "peak memory grew by \(grown) bytes")
    }

    @Test func pixelLimitIsConfigurable() throws {
        let path = FixturePaths.sample("pillow-hopper.jpg")  // 128 x 128 = 16384 pixels
        #expect(decodeError(path, options: DecodeOptions(maxPixels: 16383)) == .tooLarge(path: path, width: 128, height: 128, limit: 16383))
        #expect(decodeError(path, options: DecodeOptions(maxPixels: 16384)) == nil)
    }

    @Test func fileByteLimitIsChecked() {
        let path = FixturePaths.sample("pillow-hopper.jpg")
        #expect(decodeError(path, options: DecodeOptions(maxFileBytes: 1000)) == .fileTooLarge(path: path, bytes: 6412, limit: 1000))
    }
}

/// The process's peak resident set size in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
