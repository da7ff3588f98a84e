import VGGCommon
import CImageCodecs

/// HEIF/AVIF, WebP, TIFF and camera RAW through Debian's libraries (libheif, libwebp,
/// libtiff, LibRaw, via the C shim), behind the same contract as JPEG and PNG: upright 8-bit
/// RGB, alpha over white, sizes checked before any pixel buffer exists.
enum LibraryDecoder {
    private typealias Decode = (UnsafePointer<UInt8>?, Int, UnsafePointer<vgg_decode_request>?, UnsafeMutablePointer<vgg_decoded>?,
                                UnsafeMutablePointer<vgg_status>?) -> vgg_result

    static func decode(_ bytes: [UInt8], format: ImageFormat, path: String, options: DecodeOptions) throws(ImagingError) -> DecodedImage {
        let decode: Decode
        switch format {
        case .heic, .avif: decode = vgg_heif_decode
        case .webp: decode = vgg_webp_decode
        case .tiff: decode = vgg_tiff_decode
        case .raw: decode = vgg_raw_decode
        case .jpeg, .png: preconditionFailure("\(format) has a decoder of its own")
        }
        var request = vgg_decode_request(
            max_pixels: options.maxPixels, minimum_side: Int32(minimumSide(format, options)),
            hevc_libde265: options.hevcDecoder == .libde265 ? 1 : 0)
        var decoded = vgg_decoded()
        var status = vgg_status()
        let result = bytes.withUnsafeBufferPointer { decode($0.baseAddress, $0.count, &request, &decoded, &status) }
        defer { vgg_decoded_release(&decoded) }
        try check(result, status, decoded, path: path, options: options)
        if let embedded = buffer(decoded.embedded, decoded.embedded_size) {
            return try preview(embedded, of: decoded, path: path, options: options)
        }
        let width = Int(decoded.width)
        let height = Int(decoded.height)
        guard let pixels = buffer(decoded.pixels, width * height * 3) else {
            throw .corrupt(path: path, reason: "the decoder returned no pixels")
        }
        var image = RGBImage(width: width, height: height, pixels: pixels)
        let colour = ColorProfile.apply(buffer(decoded.icc, decoded.icc_size), to: &image, convert: options.convertsColor)
        let orientation = self.orientation(of: decoded, format: format)
        image = image.oriented(orientation)
        let info = ImageInfo(
            format: format, storedWidth: Int(decoded.stored_width), storedHeight: Int(decoded.stored_height),
            orientation: orientation, bitDepth: Int(decoded.bit_depth), colorModel: text(decoded.color_model),
            hasAlpha: decoded.has_alpha != 0, interlaced: false, arithmeticCoded: false, dctScale: .full,
            decodedWidth: image.width, decodedHeight: image.height, warningCount: Int(status.warning_count),
            firstWarning: nil, detail: text(decoded.detail), colorProfile: colour)
        return DecodedImage(image: image, info: info)
    }

    /// The shortest side a reduced decode may leave. libwebp's rescaler filters worse than a
    /// JPEG's DCT scaling followed by the antialiased resize: at the DCT rule's 2× it moves
    /// trained pool5 to 0.9986 of a full decode, at 3× to 0.9998 (Benchmarks/README.md,
    /// "Photo formats"), so WebP keeps half as much again.
    private static func minimumSide(_ format: ImageFormat, _ options: DecodeOptions) -> Int {
        guard let side = options.minimumDecodedSide else { return 0 }
        return format == .webp ? (3 * side + 1) / 2 : side
    }

    /// A RAW file's embedded preview, decoded as the JPEG it is (DCT scaling included); the
    /// camera's orientation applied unless the preview carries its own.
    private static func preview(_ jpeg: [UInt8], of raw: vgg_decoded, path: String, options: DecodeOptions) throws(ImagingError) -> DecodedImage {
        var decoded = try JPEGDecoder.decode(jpeg, path: path, options: options)
        var orientation = decoded.info.orientation
        if orientation == .up, let flip = Orientation(rawValue: Int(raw.orientation)), flip != .up {
            decoded.image = decoded.image.oriented(flip)
            orientation = flip
        }
        decoded.info = ImageInfo(
            format: .raw, storedWidth: Int(raw.stored_width), storedHeight: Int(raw.stored_height), orientation: orientation,
            bitDepth: Int(raw.bit_depth), colorModel: text(raw.color_model), hasAlpha: false, interlaced: false,
            arithmeticCoded: false, dctScale: decoded.info.dctScale, decodedWidth: decoded.image.width,
            decodedHeight: decoded.image.height, warningCount: decoded.info.warningCount, firstWarning: decoded.info.firstWarning,
            detail: text(raw.detail), colorProfile: decoded.info.colorProfile)
        return decoded
    }

    /// The orientation still to apply: the decoder's (TIFF's tag, RAW's flip; none for HEIF,
    /// whose own transforms are applied), or for WebP its EXIF chunk's.
    private static func orientation(of decoded: vgg_decoded, format: ImageFormat) -> Orientation {
        if format == .webp, let exif = buffer(decoded.exif, decoded.exif_size) {
            let tiff = exif.starts(with: Array("Exif".utf8) + [0, 0]) ? exif.dropFirst(6) : exif[...]
            return EXIFParser.orientation(tiff: tiff) ?? .up
        }
        return Orientation(rawValue: Int(decoded.orientation)) ?? .up
    }

    private static func check(_ result: vgg_result, _ status: vgg_status, _ decoded: vgg_decoded, path: String, options: DecodeOptions) throws(ImagingError) {
        let text = messageText(status)
        // A library that failed without a word (LibRaw on some damaged files) still gets one.
        let message = text.isEmpty ? "the decoder stopped without giving a reason" : text
        switch result {
        case VGG_OK: return
        case VGG_ERROR_TOO_LARGE where decoded.stored_width > 0 && decoded.stored_height > 0:
            throw .tooLarge(path: path, width: Int(decoded.stored_width), height: Int(decoded.stored_height), limit: options.maxPixels)
        case VGG_ERROR_TRUNCATED: throw .truncated(path: path, reason: message)
        case VGG_ERROR_UNSUPPORTED: throw .unsupported(path: path, reason: message)
        default: throw .corrupt(path: path, reason: message)
        }
    }

    /// `count` bytes the C side allocated, copied; nil for none.
    private static func buffer(_ pointer: UnsafeMutablePointer<UInt8>?, _ count: Int) -> [UInt8]? {
        guard let pointer, count > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// A fixed C string field as text.
    private static func text<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { raw in PathBytes.display(Array(raw.prefix { $0 != 0 })) }
    }
}
