import Foundation
import VGGModel

/// Keras HDF5 weights reach the engine through a child process.
///
/// libhdf5 (1.10 in Debian 12) has memory-safety bugs on crafted files: fuzzing found a heap
/// over-read in attribute type decoding and allocations sized from unchecked metadata (see
/// RELIABILITY.md). vggbatch therefore never calls it, nor links it: the helper
/// `vggbatch-keras-convert` reads and checks the HDF5 file in a child process and writes the
/// same numbers as a torchvision-layout safetensors file in the cache, named by the HDF5
/// file's SHA-256, which every later run maps directly (1.5 s instead of 6 s for the 553 MB
/// file). A child that crashes or fails becomes one error line about the file.
///
/// The helper is `$VGGBATCH_KERAS_CONVERTER` when set, else the one beside the running
/// executable (a build folder), else `../libexec/vggbatch/` from it (an installation).
public enum KerasConversion {
    /// The converted copy of the HDF5 file at `path`, opened; converted first when the cache
    /// has no copy of this content.
    public static func converted(path: String, environment: [String: String]) throws(ModelError) -> SafetensorsWeights {
        let cache = WeightsLocator.cacheDirectory(environment: environment)
        let digest = try WeightsHashCache(directory: cache).sha256(of: path)
        let directory = (cache as NSString).appendingPathComponent("converted")
        let target = (directory as NSString).appendingPathComponent("keras-\(digest).safetensors")
        if let existing = try? SafetensorsWeights(path: target), existing.file.metadata[KerasConversionRecord.sourceKey] == digest { return existing }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directory, reason: "cannot create the folder for converted Keras weights")
        }
        try runConverter(path: path, digest: digest, output: target, environment: environment)
        return try SafetensorsWeights(path: target)
    }

    /// Runs the helper on `path` and waits for it.
    private static func runConverter(path: String, digest: String, output: String, environment: [String: String]) throws(ModelError) {
        guard let helper = helperPath(environment: environment) else {
            throw .unreadable(
                path: path, reason: "cannot read Keras HDF5 weights: \(helperName) is not installed beside vggbatch (or set VGGBATCH_KERAS_CONVERTER)")
        }
        // Its one-line message goes to a file, read once it has exited: a pipe could fill up
        // or be held open by anything the child leaves behind.
        let messagePath = output + ".\(getpid()).message"
        try? FileManager.default.removeItem(atPath: messagePath)
        defer { try? FileManager.default.removeItem(atPath: messagePath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: helper)
        process.arguments = [path, output, digest, messagePath]
        // No crash backtracer in the child: a crash should end it at once, not leave a helper
        // process holding its output open.
        process.environment = environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .unreadable(path: path, reason: "cannot start the HDF5 converter \(helper): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw .invalidFile(
                path: path,
                reason: "the HDF5 library crashed reading it (signal \(process.terminationStatus)): the file is damaged or hostile")
        }
        guard process.terminationStatus == 0 else {
            // The child's own one-line message; a child that exited without one (a
            // sanitizer's report, say) failed inside the library.
            guard let message = FileManager.default.contents(atPath: messagePath).map({ String(decoding: $0, as: UTF8.self) }),
                !message.isEmpty
            else {
                throw .invalidFile(
                    path: path,
                    reason: "the HDF5 library failed reading it (exit status \(process.terminationStatus)): the file is damaged or hostile")
            }
            throw .reportedByChild(message)
        }
    }

    /// The helper's file name.
    static let helperName = "vggbatch-keras-convert"

    /// Where the helper is: `VGGBATCH_KERAS_CONVERTER`, else beside this executable, else in
    /// `../libexec/vggbatch/` from it; nil when none is an executable file.
    static func helperPath(environment: [String: String]) -> String? {
        if let given = environment["VGGBATCH_KERAS_CONVERTER"], !given.isEmpty { return given }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let folder = (executable as NSString).deletingLastPathComponent
        let candidates = [
            (folder as NSString).appendingPathComponent(helperName),
            ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("libexec/vggbatch/" + helperName),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
