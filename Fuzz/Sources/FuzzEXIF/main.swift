import FuzzSupport
import VGGImaging

/// The JPEG segment walk that finds the EXIF block, and the TIFF/IFD0 parser behind it, on
/// the same bytes read three ways.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzEXIF(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(data, count)
    _ = EXIFParser.orientation(tiff: bytes[...])
    _ = EXIFParser.orientation(app1Payload: bytes[...])
    if let tiff = JPEGSegments.exifTIFF(in: fuzzBytes(data, count, signature: [0xFF, 0xD8])) {
        _ = EXIFParser.orientation(tiff: tiff)
    }
    return 0
}

runFuzzer(fuzzEXIF)
