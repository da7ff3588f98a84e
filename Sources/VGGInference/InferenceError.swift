import VGGEngine
import VGGModel

/// Why weights could not be found, fetched or made into a network.
public enum InferenceError: Error, Sendable, CustomStringConvertible {
    /// The weights file is missing, damaged or not VGG16 (the model library's reason).
    case weights(ModelError)
    /// The download of a weights file failed; `reason` says why and what to do.
    case download(reason: String)
    /// The engine cannot run here as asked (an instruction set this CPU lacks).
    case engine(EngineError)
    /// The network's input is not square, which the resize policies assume.
    case nonSquareInput(height: Int, width: Int)
    /// The engine failed its own check (non-finite or batch-dependent outputs).
    case selfCheck(String)
    /// The index's model must be computed with its own weights, and they cannot be found:
    /// `why` says where they were last seen, or that the index never knew.
    case modelWeightsUnavailable(modelID: Int64, sha256: String, why: String)

    /// One line for a person.
    public var reason: String {
        switch self {
        case .weights(let error): return error.reason
        case .download(let reason), .selfCheck(let reason): return reason
        case .engine(let error): return error.description
        case .nonSquareInput(let height, let width): return "the network's input is \(height)x\(width); only square inputs are supported"
        case .modelWeightsUnavailable(let id, let sha256, let why):
            return "the weights of model \(id) (sha256 \(sha256)) \(why); pass --weights with the file that has this SHA-256"
        }
    }

    public var description: String { reason }
}
