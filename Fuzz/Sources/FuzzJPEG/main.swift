import FuzzSupport
import VGGCommon
import VGGImaging

/// libjpeg-turbo through the C shim, then EXIF orientation, resize and preprocessing, as a
/// scan runs them. The pixel limit is lowered so that one input cannot take seconds.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(data, count, signature: [0xFF, 0xD8, 0xFF])
    let preparation = ImagePreparation(maxPixels: 4_000_000)
    if let prepared = try? preparation.prepare(bytes: bytes, path: "fuzz.jpg") {
        precondition(prepared.resized.width == 224 && prepared.resized.height == 224)
        _ = Preprocessing.torch.tensor(from: prepared.resized)
    }
    return 0
}

runFuzzer(fuzzJPEG)
