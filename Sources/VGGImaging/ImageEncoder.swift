import CImageCodecs

/// Writes RGB images as PNG or JPEG bytes (for looking at what the network sees, for
/// thumbnails and for generated test and benchmark inputs).
public enum ImageEncoder {
    /// Lossless PNG bytes of `image`.
    public static func png(_ image: RGBImage) throws(ImagingError) -> [UInt8] {
        try encode(image, name: "PNG") { pixels, data, size, status in
            vgg_png_encode_rgb(pixels, Int32(image.width), Int32(image.height), data, size, status)
        }
    }

    /// Baseline JPEG bytes of `image` at `quality` (1...100).
    public static func jpeg(_ image: RGBImage, quality: Int = 90) throws(ImagingError) -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality must be 1...100")
        return try encode(image, name: "JPEG") { pixels, data, size, status in
            vgg_jpeg_encode_rgb(pixels, Int32(image.width), Int32(image.height), Int32(quality), data, size, status)
        }
    }

    private static func encode(
        _ image: RGBImage, name: String,
        _ call: (
            UnsafePointer<UInt8>?, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
            UnsafeMutablePointer<Int>, UnsafeMutablePointer<vgg_status>
        ) -> vgg_result
    ) throws(ImagingError) -> [UInt8] {
        var data: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var status = vgg_status()
        let result = image.pixels.withUnsafeBufferPointer { pixels in
            call(pixels.baseAddress, &data, &size, &status)
        }
        guard result == VGG_OK, let data else {
            throw .corrupt(path: "<\(name) encoder>", reason: messageText(status))
        }
        defer { vgg_free(data) }
        // Safe: the encoder returned a buffer of exactly `size` initialised bytes.
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
