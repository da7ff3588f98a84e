import VGGImaging
import _VGGTestSupport

/// Mean and largest absolute difference between two images of the same size, over all bytes.
func pixelDifference(_ a: RGBImage, _ b: RGBImage) -> (mean: Double, max: Int) {
    precondition(a.width == b.width && a.height == b.height, "images differ in size")
    var total = 0
    var largest = 0
    for (x, y) in zip(a.pixels, b.pixels) {
        let d = abs(Int(x) - Int(y))
        total += d
        largest = max(largest, d)
    }
    return (Double(total) / Double(a.pixels.count), largest)
}

/// The error a decode throws, or nil when it succeeds.
func decodeError(_ path: String, options: DecodeOptions = DecodeOptions()) -> ImagingError? {
    do throws(ImagingError) {
        _ = try ImageDecoder.decode(contentsOf: path, options: options)
        return nil
    } catch {
        return error
    }
}
