import FuzzSupport
import VGGModel

/// Static, hence initialised on first use whichever `main` runs.
private enum Scratch { static let file = ScratchFile(suffix: ".safetensors") }

/// The safetensors length field and JSON header checks, then every tensor read as floats,
/// and the VGG weight-source checks (shapes, dtypes, non-finite values) on top.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    Scratch.file.write(data, count)
    if let file = try? SafetensorsFile(path: Scratch.file.path) {
        for name in file.tensorNames { _ = try? file.floats(name) }
    }
    if let weights = try? SafetensorsWeights(path: Scratch.file.path) {
        for index in weights.architecture.convolutions.indices { _ = try? weights.convolution(index) }
        for index in weights.architecture.fullyConnected.indices { _ = try? weights.fullyConnected(index) }
    }
    return 0
}

runFuzzer(fuzzSafetensors)
