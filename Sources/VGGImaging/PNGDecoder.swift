import CImageCodecs

/// PNG decoding through libpng (via the C shim): every colour type and bit depth, alpha
/// composited over white, eXIf orientation.
enum PNGDecoder {
    static func decode(_ bytes: [UInt8], path: String, options: DecodeOptions) throws(ImagingError) -> DecodedImage {
        guard let scan = PNGChunkScan.scan(bytes) else {
            throw .corrupt(path: path, reason: "PNG has no readable IHDR chunk")
        }
        if scan.isAppleCgBI {
            throw .unsupported(
                path: path,
                reason: "Apple CgBI PNG (iOS-optimised, premultiplied BGRA; convert it with a standard PNG tool)")
        }
        if let chunk = scan.oversizedChunk {
            throw .corrupt(path: path, reason: "PNG chunk \(chunk.type) claims \(chunk.length) bytes, more than the \(bytes.count)-byte file holds")
        }
        try ImageDecoder.checkPixelLimit(width: scan.width, height: scan.height, path: path, options: options)
        let width = scan.width
        let height = scan.height

        var status = vgg_status()
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var scratch = [UInt8](repeating: 0, count: width * height * 4)
        let result = bytes.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                pixels.withUnsafeMutableBufferPointer { output in
                    vgg_png_decode(
                        input.baseAddress, input.count, Int32(width), Int32(height),
                        scratchBuffer.baseAddress, scratchBuffer.count, output.baseAddress, output.count, &status)
                }
            }
        }
        scratch = []
        let message = messageText(status)
        switch result {
        case VGG_OK: break
        case VGG_ERROR_TRUNCATED: throw .truncated(path: path, reason: message)
        default: throw .corrupt(path: path, reason: message)
        }

        var image = RGBImage(width: width, height: height, pixels: pixels)
        let colour = ColorProfile.apply(scan.compressedICC.flatMap(ColorProfile.inflate), to: &image, convert: options.convertsColor)
        let orientation = scan.exifTIFF.flatMap { EXIFParser.orientation(tiff: $0) } ?? .up
        image = image.oriented(orientation)
        let info = ImageInfo(
            format: .png, storedWidth: width, storedHeight: height, orientation: orientation,
            bitDepth: scan.bitDepth, colorModel: colorModel(scan.colorType),
            hasAlpha: scan.colorType == 4 || scan.colorType == 6 || scan.hasTransparency,
            interlaced: scan.interlaced, arithmeticCoded: false, dctScale: .full,
            decodedWidth: image.width, decodedHeight: image.height,
            warningCount: Int(status.warning_count), firstWarning: status.warning_count > 0 ? message : nil, colorProfile: colour)
        return DecodedImage(image: image, info: info)
    }

    private static func colorModel(_ colorType: Int) -> String {
        switch colorType {
        case 0: return "gray"
        case 2: return "rgb"
        case 3: return "palette"
        case 4: return "gray+alpha"
        case 6: return "rgba"
        default: return "unknown"
        }
    }
}
