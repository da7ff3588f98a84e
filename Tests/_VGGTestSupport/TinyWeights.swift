import Foundation
import VGGModel

/// Seeded random weights of the tiny test architecture, written in the real safetensors
/// format (as `vggbatch weights random --tiny` writes them).
public enum TinyWeights {
    /// Writes them to `path`; returns `path`.
    @discardableResult
    public static func write(to path: String, seed: UInt64 = 1, architecture: VGGArchitecture = .tiny) throws -> String {
        var metadata = ["format": "pt", "vggbatch.random_seed": "\(seed)"]
        if architecture != .vgg16 { metadata[VGGArchitecture.metadataKey] = architecture.metadataValue }
        try SafetensorsWriter.writeTorchvision(RandomWeights(architecture: architecture, seed: seed), metadata: metadata, to: path)
        return path
    }
}
