import FuzzSupport
import VGGCommon
import VGGImaging

/// libpng (png_image API) through the C shim, then orientation, resize and preprocessing, as a
/// scan runs them. The pixel limit is lowered so that one input cannot take seconds.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(data, count, signature: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let preparation = ImagePreparation(maxPixels: 4_000_000)
    if let prepared = try? preparation.prepare(bytes: bytes, path: "fuzz.png") {
        precondition(prepared.resized.width == 224 && prepared.resized.height == 224)
        _ = Preprocessing.torch.tensor(from: prepared.resized)
    }
    return 0
}

runFuzzer(fuzzPNG)
