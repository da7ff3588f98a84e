// vggbatch-keras-convert INPUT.h5 OUTPUT.safetensors SHA256 MESSAGE-FILE
//
// The process `vggbatch` starts to read Keras HDF5 weights, so that libhdf5 (which has
// memory-safety bugs on crafted files, see RELIABILITY.md) never runs inside vggbatch itself.
// It converts INPUT into OUTPUT (`KerasConverter`) and exits 0; on a problem it writes one
// line for a person to MESSAGE-FILE and exits 1. A crash, or an exit without a message, is
// the library failing on the file, which vggbatch reports as such.
import Foundation
import VGGKeras
import VGGModel

let arguments = CommandLine.arguments
guard arguments.count == 5 else {
    FileHandle.standardError.write(Data("usage: vggbatch-keras-convert INPUT.h5 OUTPUT.safetensors SHA256 MESSAGE-FILE\n".utf8))
    exit(64)
}
do throws(ModelError) {
    try KerasConverter.convert(path: arguments[1], sha256: arguments[3], output: arguments[2])
} catch {
    // A message that cannot be written leaves vggbatch to report a failure without one.
    _ = FileManager.default.createFile(atPath: arguments[4], contents: Data(error.reason.utf8))
    exit(1)
}
