import VGGCommon

/// Turns JPEG, PNG, HEIC/AVIF, WebP, TIFF and camera RAW files into upright 8-bit sRGB
/// images, or into an `ImagingError` that says why not. The format comes from the file's
/// first bytes, never from its name.
public enum ImageDecoder {
    /// Reads and decodes the file at `path`.
    public static func decode(
        contentsOf path: String, options: DecodeOptions = DecodeOptions()
    ) throws(ImagingError) -> DecodedImage {
        let bytes = try FileBytes.read(path: path, limit: options.maxFileBytes)
        return try decode(bytes: bytes, path: path, options: options)
    }

    /// Reads a whole image file given as raw path bytes (names need not be UTF-8), refusing
    /// non-regular files and files over `limit` bytes; `displayPath` names it in errors.
    public static func readFile(pathBytes: [UInt8], displayPath: String, limit: Int = DecodeOptions.defaultMaxFileBytes) throws(ImagingError) -> [UInt8] {
        try FileBytes.read(pathBytes: pathBytes, displayPath: displayPath, limit: limit)
    }

    /// Decodes an in-memory file; `path` only names it in errors.
    public static func decode(
        bytes: [UInt8], path: String, options: DecodeOptions = DecodeOptions()
    ) throws(ImagingError) -> DecodedImage {
        if bytes.isEmpty { throw .empty(path: path) }
        guard let format = ImageFormat.sniff(bytes) else {
            let magic = bytes.prefix(8).map { hexByte($0) }.joined(separator: " ")
            throw .unknownFormat(path: path, magic: magic)
        }
        return try decode(bytes: bytes, as: format, path: path, options: options)
    }

    /// Decodes an in-memory file with the decoder of `format`, whatever its first bytes say
    /// (the fuzz targets reach each decoder so).
    public static func decode(
        bytes: [UInt8], as format: ImageFormat, path: String, options: DecodeOptions = DecodeOptions()
    ) throws(ImagingError) -> DecodedImage {
        switch format {
        case .jpeg: return try JPEGDecoder.decode(bytes, path: path, options: options)
        case .png: return try PNGDecoder.decode(bytes, path: path, options: options)
        case .heic, .avif, .webp, .tiff, .raw: return try LibraryDecoder.decode(bytes, format: format, path: path, options: options)
        }
    }

    /// Rejects a header whose pixel count is over the limit, before anything is allocated.
    static func checkPixelLimit(width: Int, height: Int, path: String, options: DecodeOptions) throws(ImagingError) {
        if width <= 0 || height <= 0 {
            throw .corrupt(path: path, reason: "header gives an empty size \(width)x\(height)")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > options.maxPixels {
            throw .tooLarge(path: path, width: width, height: height, limit: options.maxPixels)
        }
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
