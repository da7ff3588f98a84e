import Foundation
import FuzzSupport
import VGGCommon
import VGGImaging

/// libheif (HEVC through libde265, AV1 through dav1d), libwebp, libtiff and LibRaw through the
/// C shim, then orientation, colour conversion and resize, as a scan runs them. The decoder is
/// chosen by the environment's VGGBATCH_FUZZ_FORMAT (heic, avif, webp, tiff, raw), so that
/// mutations explore it rather than the format sniffing; the pixel limit is lowered so that
/// one input cannot take seconds.
let format = ImageFormat(rawValue: ProcessInfo.processInfo.environment["VGGBATCH_FUZZ_FORMAT"] ?? "") ?? .heic

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzFormats(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(data, count)
    let options = DecodeOptions(maxPixels: 4_000_000, minimumDecodedSide: 448)
    if let decoded = try? ImageDecoder.decode(bytes: bytes, as: format, path: "fuzz", options: options) {
        precondition(decoded.image.pixels.count == 3 * decoded.image.width * decoded.image.height)
        _ = ResizePolicy.squash.apply(to: decoded.image, size: 224)
    }
    return 0
}

runFuzzer(fuzzFormats)
