import VGGCommon

/// One image made ready for the network: decoded, upright, resized to the input size.
public struct PreparedImage: Sendable, Equatable {
    /// What the file held and how it was decoded.
    public var info: ImageInfo
    /// The upright `size`×`size` RGB image after resizing, before mean subtraction.
    public var resized: RGBImage
}

/// The decode → orient → resize steps shared by every command, configured once.
public struct ImagePreparation: Sendable, Equatable {
    /// How the image is brought to a square network input.
    public var policy: ResizePolicy
    /// Side of the network input in pixels.
    public var size: Int
    /// Pixel and file limits.
    public var maxPixels: Int
    /// Whether large JPEGs may decode at a reduced DCT scale (never below `dctMargin` × what
    /// `policy` needs).
    public var dctScaling: Bool
    /// How many times the resize's own need each decoded side keeps when DCT scaling: 1 lets
    /// the DCT do nearly all the reduction; 2 (the default) leaves the last factor of two or
    /// more to the antialiased resize, which is what keeps trained features within a cosine
    /// of 0.9995 of a full decode (Benchmarks/README.md, "Preprocessing fidelity").
    public var dctMargin: Int
    /// Whether any libjpeg-turbo scale M/8 may be chosen, not only 1/2, 1/4 and 1/8. Off by
    /// default: the odd scales (3/8, 5/8…) are cheaper but filter worse than 1/2 + resize.
    public var dctEighths: Bool
    /// What is done with embedded colour profiles.
    public var color: ColorHandling
    /// Which library decodes HEIC tiles (the same pixels either way; benchmarks compare them).
    public var hevcDecoder: DecodeOptions.HEVCDecoder = .fastest

    public static let defaultDCTMargin = 2
    public static let defaultDCTEighths = false

    public init(
        policy: ResizePolicy = .squash, size: Int = 224,
        maxPixels: Int = DecodeOptions.defaultMaxPixels, dctScaling: Bool = true,
        dctMargin: Int = ImagePreparation.defaultDCTMargin, dctEighths: Bool = ImagePreparation.defaultDCTEighths,
        color: ColorHandling = .srgb
    ) {
        self.color = color
        precondition(dctMargin >= 1, "the DCT margin is at least 1")
        self.policy = policy
        self.size = size
        self.maxPixels = maxPixels
        self.dctScaling = dctScaling
        self.dctMargin = dctMargin
        self.dctEighths = dctEighths
    }

    /// The decoder options these settings imply.
    public var decodeOptions: DecodeOptions {
        var options = DecodeOptions(
            maxPixels: maxPixels, minimumDecodedSide: dctScaling ? dctMargin * policy.minimumDecodedSide(size: size) : nil,
            dctEighths: dctEighths, convertsColor: color == .srgb)
        options.hevcDecoder = hevcDecoder
        return options
    }

    /// Decodes, orients and resizes the file at `path`.
    public func prepare(contentsOf path: String) throws(ImagingError) -> PreparedImage {
        let decoded = try ImageDecoder.decode(contentsOf: path, options: decodeOptions)
        return PreparedImage(info: decoded.info, resized: policy.apply(to: decoded.image, size: size))
    }

    /// Decodes, orients and resizes an in-memory file; `path` only names it in errors.
    public func prepare(bytes: [UInt8], path: String) throws(ImagingError) -> PreparedImage {
        let decoded = try ImageDecoder.decode(bytes: bytes, path: path, options: decodeOptions)
        return PreparedImage(info: decoded.info, resized: policy.apply(to: decoded.image, size: size))
    }
}
