import VGGCommon
import Foundation

/// What a safetensors file converted from Keras HDF5 weights records of its source, in its
/// metadata: the HDF5 file's SHA-256, the datasets read and the file's root attributes. The
/// converter (`vggbatch-keras-convert`) writes it; `vggbatch` reads it without libhdf5.
public enum KerasConversionRecord {
    /// Metadata key recording which HDF5 file a converted file came from.
    public static let sourceKey = "vggbatch.keras-source-sha256"
    /// Metadata key holding the HDF5 datasets read, in file order, as JSON.
    public static let datasetsKey = "vggbatch.keras-datasets"
    /// Prefix of the metadata keys that copy the HDF5 file's root attributes.
    public static let attributePrefix = "keras."

    /// One HDF5 dataset the converter read.
    public struct Dataset: Codable, Sendable, Equatable {
        public var name: String
        public var shape: [Int]

        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    /// The metadata of a converted file.
    public static func metadata(architecture: VGGArchitecture, sourceSHA256: String, datasets: [Dataset], attributes: [String: String]) -> [String: String] {
        var metadata = [
            VGGArchitecture.metadataKey: architecture.metadataValue, sourceKey: sourceSHA256,
            datasetsKey: String(decoding: (try? JSONEncoder().encode(datasets)) ?? Data("[]".utf8), as: UTF8.self),
        ]
        for (key, value) in attributes { metadata[attributePrefix + key] = value }
        return metadata
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

    /// Whether the file at `path` starts with the HDF5 signature (Keras weights), read without
    /// libhdf5.
    public static func isHDF5(path: String) -> Bool {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        return (try? RegularFile(path: path).read(at: 0, count: 8)) == signature
    }
}
