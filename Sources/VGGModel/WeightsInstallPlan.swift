import Foundation

/// What `vggbatch weights install` fetches and where: a known file by name (the default
/// weights without one), or any URL with the SHA-256 it must have; the checksum its publisher
/// gives (SHA-256, else the MD5 the Keras files come with); the destination in the cache
/// folder unless one is given.
public struct WeightsInstallPlan: Sendable {
    /// The known weights, when a name (or nothing) was given.
    public let known: KnownWeights?
    public let checksum: WeightsDownload.Checksum
    public let url: String
    /// The file's name where it is published (the destination's in the cache folder).
    public let fileName: String
    public let destination: String

    /// Why it cannot be planned: an unknown name, no checksum, no source.
    public struct Refusal: Error, Equatable {
        public let reason: String
    }

    public init(
        name: String?, url: String?, sha256: String?, output: String?, environment: [String: String]
    ) throws(Refusal) {
        var known: KnownWeights?
        if let name {
            guard let found = KnownWeights.named(name) else {
                throw Refusal(reason: "unknown weights \"\(name)\"; known: \(KnownWeights.all.map(\.name).joined(separator: ", "))")
            }
            known = found
        } else if url == nil || sha256 == nil {
            known = KnownWeights.defaultWeights
        }
        if let sha256 {
            checksum = .sha256(sha256.lowercased())
        } else if let published = known?.sha256 {
            checksum = .sha256(published)
        } else if let published = known?.md5 {
            checksum = .md5(published)  // all the Keras files' publisher gives
        } else {
            throw Refusal(reason: "no checksum is published for \(known?.name ?? "this file"); give the expected SHA-256 with --sha256")
        }
        guard let source = url ?? known?.url else { throw Refusal(reason: "give a NAME or --url") }
        let fileName = known?.fileName ?? ((URL(string: source)?.lastPathComponent).flatMap { $0.isEmpty ? nil : $0 } ?? "weights.safetensors")
        self.known = known
        self.url = source
        self.fileName = fileName
        destination = output ?? (WeightsLocator.cacheDirectory(environment: environment) as NSString).appendingPathComponent(fileName)
    }

    /// A note for a known file vggbatch downloads but does not load (a pickle, ONNX).
    public var notLoadable: String? {
        guard let known, !known.isLoadable else { return nil }
        return "\(known.name) is \(known.format), which vggbatch does not load (use safetensors or Keras HDF5)"
    }

    /// Whether the destination already holds the file (its checksum matches).
    public var isInstalled: Bool {
        FileManager.default.fileExists(atPath: destination) && (try? checksum.digest(ofFile: destination)) == checksum.hex
    }
}
