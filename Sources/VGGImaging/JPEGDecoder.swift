import CImageCodecs
import VGGCommon

/// JPEG decoding through libjpeg-turbo (via the C shim), with DCT-domain downscaling,
/// CMYK/YCCK conversion and EXIF orientation.
enum JPEGDecoder {
    static func decode(_ bytes: [UInt8], path: String, options: DecodeOptions) throws(ImagingError) -> DecodedImage {
        var header = vgg_jpeg_header()
        var status = vgg_status()
        let headerResult = bytes.withUnsafeBufferPointer { buffer in
            vgg_jpeg_read_header(buffer.baseAddress, buffer.count, &header, &status)
        }
        try check(headerResult, status, path: path)
        let width = Int(header.width)
        let height = Int(header.height)
        try ImageDecoder.checkPixelLimit(width: width, height: height, path: path, options: options)
        if header.precision != 8 {
            throw .unsupported(path: path, reason: "\(header.precision)-bit JPEG (only 8-bit samples are supported)")
        }

        let scale = self.scale(width: width, height: height, minimumSide: options.minimumDecodedSide, eighths: options.dctEighths)
        let outWidth = scale.apply(to: width)
        let outHeight = scale.apply(to: height)
        let isCMYK = header.color_space == 4 || header.color_space == 5  // JCS_CMYK, JCS_YCCK
        let channels = isCMYK ? 4 : 3
        var samples = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
        var gotWidth: Int32 = 0
        var gotHeight: Int32 = 0
        var gotChannels: Int32 = 0
        let result = bytes.withUnsafeBufferPointer { input in
            samples.withUnsafeMutableBufferPointer { output in
                vgg_jpeg_decode(
                    input.baseAddress, input.count, Int32(scale.numerator), Int32(scale.denominator), output.baseAddress, output.count,
                    &gotWidth, &gotHeight, &gotChannels, &status)
            }
        }
        try check(result, status, path: path)
        // A libjpeg without libjpeg-turbo's M/8 scaling rounds such a scale to another one.
        guard Int(gotWidth) == outWidth && Int(gotHeight) == outHeight && Int(gotChannels) == channels else {
            throw .unsupported(
                path: path,
                reason: "libjpeg decoded \(gotWidth)x\(gotHeight)x\(gotChannels) where \(outWidth)x\(outHeight)x\(channels) was expected at DCT scale \(scale)")
        }

        var image: RGBImage
        if isCMYK {
            image = RGBImage(
                width: outWidth, height: outHeight,
                pixels: CMYKConversion.rgb(fromCMYK: samples, inverted: header.saw_adobe_marker != 0))
        } else {
            image = RGBImage(width: outWidth, height: outHeight, pixels: samples)
        }

        // CMYK samples are converted naively above; a CMYK profile is left alone.
        let colour = isCMYK ? .none : ColorProfile.apply(JPEGSegments.iccProfile(in: bytes), to: &image, convert: options.convertsColor)
        let orientation = JPEGSegments.exifTIFF(in: bytes).flatMap { EXIFParser.orientation(tiff: $0) } ?? .up
        image = image.oriented(orientation)
        let info = ImageInfo(
            format: .jpeg, storedWidth: width, storedHeight: height, orientation: orientation,
            bitDepth: Int(header.precision), colorModel: colorModel(header.color_space),
            hasAlpha: false, interlaced: header.progressive != 0, arithmeticCoded: header.arithmetic != 0,
            dctScale: scale, decodedWidth: image.width, decodedHeight: image.height,
            warningCount: Int(status.warning_count), firstWarning: warning(status), colorProfile: colour)
        return DecodedImage(image: image, info: info)
    }

    /// The smallest DCT scale that leaves both scaled sides (rounded up, as libjpeg does) at
    /// least `minimumSide`: one of 1/8, 1/4, 1/2, or with `eighths` any M/8 below 1; 1/1 when
    /// no reduction qualifies or scaling is off.
    static func scale(width: Int, height: Int, minimumSide: Int?, eighths: Bool) -> DCTScale {
        guard let minimumSide else { return .full }
        let candidates = eighths ? (1...7).map { DCTScale(numerator: $0, denominator: 8) } : [1, 2, 4].map { DCTScale(numerator: $0, denominator: 8) }
        for scale in candidates where scale.apply(to: width) >= minimumSide && scale.apply(to: height) >= minimumSide {
            return scale.reduced
        }
        return .full
    }

    private static func check(_ result: vgg_result, _ status: vgg_status, path: String) throws(ImagingError) {
        let message = messageText(status)
        switch result {
        case VGG_OK: return
        case VGG_ERROR_TRUNCATED: throw .truncated(path: path, reason: message)
        case VGG_ERROR_UNSUPPORTED:
            if message.contains("precision 12") {
                throw .unsupported(path: path, reason: "12-bit JPEG (only 8-bit samples are supported)")
            }
            throw .unsupported(path: path, reason: message)
        case VGG_ERROR_CORRUPT: throw .corrupt(path: path, reason: message)
        default: throw .corrupt(path: path, reason: "JPEG decoder failed: \(message)")
        }
    }

    private static func colorModel(_ space: Int32) -> String {
        switch space {
        case 1: return "gray"
        case 2: return "rgb"
        case 3: return "ycbcr"
        case 4: return "cmyk"
        case 5: return "ycck"
        default: return "unknown"
        }
    }

    private static func warning(_ status: vgg_status) -> String? {
        status.warning_count > 0 ? messageText(status) : nil
    }
}

/// The NUL-terminated message of a codec status as a Swift string. A library's message may
/// quote bytes of the file (a TIFF tag's text, a chunk name), so control characters and bytes
/// that are not UTF-8 are escaped as file names are: the reason is printed on terminals and
/// written into the index as it is.
func messageText(_ status: vgg_status) -> String {
    withUnsafeBytes(of: status.message) { raw in
        PathBytes.display(Array(raw.prefix { $0 != 0 }))
    }
}
