import Foundation
import VGGKeras
import VGGModel

/// Keras HDF5 weights reach the engine through a child process.
///
/// libhdf5 (1.10 in Debian 12) has memory-safety bugs on crafted files: fuzzing found a heap
/// over-read in attribute type decoding and allocations sized from unchecked metadata (see
/// RELIABILITY.md). vggbatch therefore never calls it in its own process: `vggbatch weights
/// convert-keras` (hidden) reads and checks the HDF5 file in a child and writes the same
/// numbers as a torchvision-layout safetensors file in the cache, named by the HDF5 file's
/// SHA-256, which every later run maps directly (1.5 s instead of 6 s for the 553 MB file).
/// A child that crashes or fails becomes one error line about the file.
public enum KerasConversion {
    /// Metadata key recording which HDF5 file a converted file came from.
    public static let sourceKey = "vggbatch.keras-source-sha256"
    /// Metadata key holding the HDF5 datasets read, in file order, as JSON.
    public static let datasetsKey = "vggbatch.keras-datasets"
    /// Prefix of the metadata keys that copy the HDF5 file's root attributes.
    public static let attributePrefix = "keras."

    /// One HDF5 dataset the converter read.
    public struct Dataset: Codable, Sendable {
        public var name: String
        public var shape: [Int]
    }

    /// The converted copy of the HDF5 file at `path`, opened; converted first when the cache
    /// has no copy of this content.
    public static func converted(path: String, environment: [String: String]) throws(ModelError) -> SafetensorsWeights {
        let cache = WeightsLocator.cacheDirectory(environment: environment)
        let digest = try WeightsHashCache(directory: cache).sha256(of: path)
        let directory = (cache as NSString).appendingPathComponent("converted")
        let target = (directory as NSString).appendingPathComponent("keras-\(digest).safetensors")
        if let existing = try? SafetensorsWeights(path: target), existing.file.metadata[sourceKey] == digest { return existing }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directory, reason: "cannot create the folder for converted Keras weights")
        }
        try runConverter(path: path, digest: digest, output: target)
        return try SafetensorsWeights(path: target)
    }

    /// The HDF5 datasets a converted file records, or nil for another file.
    public static func datasets(recordedIn file: SafetensorsFile) -> [Dataset]? {
        file.metadata[datasetsKey].flatMap { try? JSONDecoder().decode([Dataset].self, from: Data($0.utf8)) }
    }

    /// The HDF5 root attributes a converted file records, under their own names.
    public static func attributes(recordedIn file: SafetensorsFile) -> [String: String] {
        var attributes = [String: String]()
        for (key, value) in file.metadata where key.hasPrefix(attributePrefix) {
            attributes[String(key.dropFirst(attributePrefix.count))] = value
        }
        return attributes
    }

    /// Runs `vggbatch weights convert-keras` on `path` and waits for it.
    private static func runConverter(path: String, digest: String, output: String) throws(ModelError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath())
        process.arguments = ["weights", "convert-keras", path, "--output", output, "--sha256", digest]
        // No crash backtracer in the child: a crash should end it at once, not leave a helper
        // process holding its output open.
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        // Its messages go to a file, read once it has exited: a pipe could fill up or be
        // held open by anything the child leaves behind.
        let errorPath = output + ".\(getpid()).err"
        guard FileManager.default.createFile(atPath: errorPath, contents: nil), let errorFile = FileHandle(forWritingAtPath: errorPath) else {
            throw .unwritable(path: errorPath, reason: "cannot create the converter's message file")
        }
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        process.standardError = errorFile
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .unreadable(path: path, reason: "cannot start the HDF5 converter: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        try? errorFile.close()
        let message = String(decoding: FileManager.default.contents(atPath: errorPath) ?? Data(), as: UTF8.self)
        if process.terminationReason == .uncaughtSignal {
            throw .invalidFile(
                path: path,
                reason: "the HDF5 library crashed reading it (signal \(process.terminationStatus)): the file is damaged or hostile")
        }
        guard process.terminationStatus == 0 else {
            // The child's own one-line error, without its "vggbatch: error: " prefix; a child
            // that died without one (a sanitizer's report, say) failed inside the library.
            let prefix = "vggbatch: error: "
            guard let line = message.split(separator: "\n").last(where: { $0.hasPrefix(prefix) }) else {
                throw .invalidFile(
                    path: path,
                    reason: "the HDF5 library failed reading it (exit status \(process.terminationStatus)): the file is damaged or hostile")
            }
            throw .reportedByChild(String(line.dropFirst(prefix.count)))
        }
    }

    /// This program's own executable, for starting the converter.
    private static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The converter itself (in the child): reads every array, checks it, and writes the
    /// torchvision-layout file through a temporary name.
    public static func convert(path: String, sha256: String, output: String) throws(ModelError) {
        if ProcessInfo.processInfo.environment["VGGBATCH_TEST_CONVERTER_CRASH"] == "1" { abort() }
        let keras = try KerasWeights(path: path)
        let architecture = keras.architecture
        let datasets = keras.tensors.map { Dataset(name: $0.name, shape: $0.shape) }
        var metadata = [
            VGGArchitecture.metadataKey: architecture.metadataValue, sourceKey: sha256,
            datasetsKey: String(decoding: (try? JSONEncoder().encode(datasets)) ?? Data("[]".utf8), as: UTF8.self),
        ]
        for (key, value) in keras.metadata { metadata[attributePrefix + key] = value }
        try SafetensorsWriter.writeTorchvision(keras, metadata: metadata, to: output)
    }
}
