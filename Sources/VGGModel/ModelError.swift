/// Why a weight file, a model description or a label lookup could not be used. Every case
/// names the file or tensor involved, with the expected and actual values where they differ.
public enum ModelError: Error, Equatable, Sendable {
    /// The file could not be opened or mapped.
    case unreadable(path: String, reason: String)
    /// The file could not be created, written or moved into place.
    case unwritable(path: String, reason: String)
    /// The file is not a safetensors file, or its header is malformed (bad length, bad JSON,
    /// wrong field types, offsets outside the data, duplicate names).
    case invalidFile(path: String, reason: String)
    /// A tensor's element type is one vggbatch cannot use (F32 required; F16 and BF16 are converted).
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor the architecture needs is absent.
    case missingTensor(path: String, tensor: String)
    /// A tensor has the wrong shape for the architecture.
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    /// A tensor holds NaN or infinite values, which would silently poison every result.
    case nonFinite(path: String, tensor: String, count: Int)
    /// The tensor names match no known weight layout (torchvision, timm or Keras).
    case unknownLayout(path: String, reason: String)
    /// No weights where vggbatch looked; says where to put them.
    case weightsNotFound(searched: [String], advice: String)
    /// A problem found by another vggbatch process working on the file (the Keras
    /// converter), in that process's own one-line words.
    case reportedByChild(String)

    /// One line for a person.
    public var reason: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read weights: \(reason)"
        case .unwritable(let path, let reason): return "\(path): cannot write weights: \(reason)"
        case .invalidFile(let path, let reason): return "\(path): not a valid weight file: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor \(tensor) has element type \(dtype); F32, F16 or BF16 is required"
        case .missingTensor(let path, let tensor): return "\(path): tensor \(tensor) is missing"
        case .shapeMismatch(let path, let tensor, let expected, let actual):
            return "\(path): tensor \(tensor) has shape \(actual), expected \(expected)"
        case .nonFinite(let path, let tensor, let count):
            return "\(path): tensor \(tensor) holds \(count) NaN or infinite values"
        case .unknownLayout(let path, let reason): return "\(path): unrecognised weight layout: \(reason)"
        case .weightsNotFound(let searched, let advice):
            return "no VGG16 weights found (looked in \(searched.joined(separator: ", "))). \(advice)"
        case .reportedByChild(let line): return line
        }
    }
}

extension ModelError: CustomStringConvertible {
    public var description: String { reason }
}
