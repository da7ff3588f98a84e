import FuzzSupport
import VGGKeras

/// Static, hence initialised on first use whichever `main` runs.
private enum Scratch { static let file = ScratchFile(suffix: ".h5") }

/// The Keras HDF5 loader's entry points: open and check the layer structure, then read and
/// convert every layer. HDF5 itself is the system library, not instrumented; crashes in it
/// are still caught.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    Scratch.file.write(data, count)
    if let weights = try? KerasWeights(path: Scratch.file.path) {
        for index in weights.architecture.convolutions.indices { _ = try? weights.convolution(index) }
        if weights.hasClassifier {
            for index in weights.architecture.fullyConnected.indices { _ = try? weights.fullyConnected(index) }
        }
    }
    return 0
}

runFuzzer(fuzzHDF5)
