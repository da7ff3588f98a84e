import Foundation
import VGGCommon

/// What a weights file is: its checksum, whether it is a published file, and the
/// preprocessing its values expect.
public struct WeightsIdentity: Sendable, Equatable {
    public var path: String
    public var sha256: String
    /// The published file it is, if its checksum is in `KnownWeights.all`.
    public var known: KnownWeights?
    public var layout: WeightLayout
    /// From the known-file table when the file is known, else what the file's metadata
    /// declares (`preprocessingMetadataKey`), else inferred from the tensor names.
    public var preprocessing: Preprocessing

    /// The safetensors metadata key in which a file declares the preprocessing its values
    /// expect ("caffe" or "torch"): a converted Caffe/Keras base in torchvision names says so.
    public static let preprocessingMetadataKey = "vggbatch.preprocessing"

    /// Identifies the opened weights, hashing the file unless `cache` already holds its
    /// checksum for the same size, modification time and inode.
    public static func identify(_ weights: SafetensorsWeights, cache: WeightsHashCache?) throws(ModelError) -> WeightsIdentity {
        try identify(path: weights.file.path, layout: weights.layout, cache: cache)
    }

    /// Identifies the weights file at `path` whose tensors have `layout` and whose metadata is
    /// `metadata`.
    public static func identify(
        path: String, layout: WeightLayout, metadata: [String: String] = [:], cache: WeightsHashCache?
    ) throws(ModelError) -> WeightsIdentity {
        let sha256: String
        if let cache {
            sha256 = try cache.sha256(of: path)
        } else {
            sha256 = try SHA256.hexDigest(ofFile: path)
        }
        let known = KnownWeights.matching(sha256: sha256)
        let declared = metadata[preprocessingMetadataKey].flatMap(Preprocessing.init(rawValue:))
        return WeightsIdentity(
            path: path, sha256: sha256, known: known, layout: layout, preprocessing: known?.preprocessing ?? declared ?? layout.preprocessing)
    }

    /// "vgg16.tv_in1k, sha256 …" for a known file; otherwise the layout and that it is not
    /// one of the published files (which is no error: fine-tuned or own weights are fine).
    public var summary: String {
        if let known { return "\(known.name), sha256 \(sha256.prefix(12))…" }
        return "\(layout.rawValue) layout, not a known published file, sha256 \(sha256.prefix(12))…"
    }
}

/// Remembers weight-file checksums by path, size, modification time and inode, so a 553 MB
/// file is hashed once rather than on every run. Stored as JSON in the weights cache.
public struct WeightsHashCache: Sendable {
    public let file: String

    public init(directory: String) {
        file = (directory as NSString).appendingPathComponent("sha256-cache.json")
    }

    private struct Entry: Codable {
        var size: Int64
        var modified: Double
        var inode: UInt64
        var sha256: String
    }

    /// The file's SHA-256, from the cache when the file is unchanged, else computed and stored.
    public func sha256(of path: String) throws(ModelError) -> String {
        let key = (path as NSString).standardizingPath
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.int64Value,
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970,
            let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value
        else { return try SHA256.hexDigest(ofFile: path) }
        var entries = load()
        if let entry = entries[key], entry.size == size, entry.modified == modified, entry.inode == inode {
            return entry.sha256
        }
        let digest = try SHA256.hexDigest(ofFile: path)
        entries[key] = Entry(size: size, modified: modified, inode: inode, sha256: digest)
        save(entries)
        return digest
    }

    private func load() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: file) else { return [:] }
        return (try? JSONDecoder().decode([String: Entry].self, from: data)) ?? [:]
    }

    /// Best effort: a cache that cannot be written only costs a re-hash next time.
    private func save(_ entries: [String: Entry]) {
        let directory = (file as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let data = try? JSONEncoder().encode(entries) else { return }
        let temporary = file + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        if FileManager.default.createFile(atPath: temporary, contents: data) {
            _ = rename(temporary, file)
        }
    }
}
