import CImageCodecs
import VGGCommon

/// Limits and shortcuts for one decode.
public struct DecodeOptions: Sendable, Equatable {
    /// Default pixel limit: 100 megapixels, a little over the largest consumer cameras.
    public static let defaultMaxPixels = 100_000_000
    /// Files larger than this are not read at all (no JPEG or PNG photo comes close).
    public static let defaultMaxFileBytes = 1 << 30

    /// Stored width × height above which a file is rejected from its header alone.
    public var maxPixels: Int
    /// Largest file, in bytes, that is read into memory.
    public var maxFileBytes: Int
    /// When set, a JPEG decodes at the smallest libjpeg DCT scale (1/2, 1/4 or 1/8) that
    /// keeps both sides at least this long, so a 12 MP photo never decodes at full size.
    /// Nil decodes at full size.
    public var minimumDecodedSide: Int?
    /// Whether every libjpeg-turbo scale M/8 (1 ≤ M ≤ 7) may be used, not only 1/2, 1/4, 1/8.
    public var dctEighths: Bool
    /// Whether an embedded colour profile other than sRGB is converted to sRGB (`ColorProfile`).
    public var convertsColor: Bool
    /// Which library decodes a HEIC's HEVC tiles.
    public var hevcDecoder: HEVCDecoder = .fastest

    /// HEVC decoders: FFmpeg's libavcodec where it is installed (the faster on one core), else
    /// libde265, libheif's own.
    public enum HEVCDecoder: String, Sendable, Equatable, CaseIterable {
        case fastest
        case libde265

        /// Whether libavcodec could be loaded on this machine.
        public static var libavcodecAvailable: Bool { vgg_hevc_libavcodec_available() != 0 }
    }

    public init(
        maxPixels: Int = DecodeOptions.defaultMaxPixels,
        maxFileBytes: Int = DecodeOptions.defaultMaxFileBytes,
        minimumDecodedSide: Int? = nil,
        dctEighths: Bool = false,
        convertsColor: Bool = true
    ) {
        self.convertsColor = convertsColor
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.minimumDecodedSide = minimumDecodedSide
        self.dctEighths = dctEighths
    }
}

/// A libjpeg DCT scaling factor, numerator / denominator (1/1 is a full decode).
public struct DCTScale: Sendable, Equatable, Codable, CustomStringConvertible {
    public var numerator: Int
    public var denominator: Int

    public static let full = DCTScale(numerator: 1, denominator: 1)

    public init(numerator: Int, denominator: Int) {
        precondition(numerator > 0 && denominator > 0, "DCT scale must be positive")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// A side of `length` pixels after scaling, rounded up as libjpeg rounds it.
    public func apply(to length: Int) -> Int { (length * numerator + denominator - 1) / denominator }

    /// The same factor in lowest terms (2/8 → 1/4).
    public var reduced: DCTScale {
        var (a, b) = (numerator, denominator)
        while b != 0 { (a, b) = (b, a % b) }
        return DCTScale(numerator: numerator / a, denominator: denominator / a)
    }

    public var description: String { "\(numerator)/\(denominator)" }
}

/// What a file held, as found while decoding it.
public struct ImageInfo: Sendable, Equatable, Codable {
    public var format: ImageFormat
    /// Size as stored in the file, before orientation.
    public var storedWidth: Int
    public var storedHeight: Int
    /// EXIF orientation applied to make the image upright (1 when there is none).
    public var orientation: Orientation
    /// Full-resolution size after orientation.
    public var uprightWidth: Int { orientation.swapsAxes ? storedHeight : storedWidth }
    public var uprightHeight: Int { orientation.swapsAxes ? storedWidth : storedHeight }
    /// Bits per sample in the file (JPEG 8; PNG 1, 2, 4, 8 or 16).
    public var bitDepth: Int
    /// The file's colour model: "gray", "gray+alpha", "rgb", "rgba", "palette", "ycbcr", "cmyk", "ycck".
    public var colorModel: String
    /// Whether the file has transparency (alpha channel or tRNS), composited over white.
    public var hasAlpha: Bool
    /// JPEG progressive or PNG Adam7 interlaced.
    public var interlaced: Bool
    /// JPEG arithmetic coding.
    public var arithmeticCoded: Bool
    /// libjpeg DCT scale used (1/1 = full size); always 1/1 for PNG.
    public var dctScale: DCTScale
    /// Size actually decoded, after DCT scaling and orientation.
    public var decodedWidth: Int
    public var decodedHeight: Int
    /// Harmless codec warnings seen (stray bytes between JPEG header segments, bad ancillary PNG chunks).
    public var warningCount: Int
    /// The first such warning, if any.
    public var firstWarning: String?
    /// How the decoder got the image, where there is more to say than the format (HEIF's
    /// primary image, a RAW file's preview, a WebP animation's first frame, a TIFF's page).
    public var detail: String? = nil
    /// What was done with the file's embedded colour profile.
    public var colorProfile: ColorProfile.Outcome = .none
}

/// An upright 8-bit RGB image and what was learned decoding it.
public struct DecodedImage: Sendable, Equatable {
    public var image: RGBImage
    public var info: ImageInfo
}
