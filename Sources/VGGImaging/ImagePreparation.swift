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
    /// Whether large JPEGs may decode at a reduced DCT scale (never below what `policy` needs).
    public var dctScaling: Bool

    public init(
        policy: ResizePolicy = .squash, size: Int = 224,
        maxPixels: Int = DecodeOptions.defaultMaxPixels, dctScaling: Bool = true
    ) {
        self.policy = policy
        self.size = size
        self.maxPixels = maxPixels
        self.dctScaling = dctScaling
    }

    /// The decoder options these settings imply.
    public var decodeOptions: DecodeOptions {
        DecodeOptions(maxPixels: maxPixels, minimumDecodedSide: dctScaling ? policy.minimumDecodedSide(size: size) : nil)
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
