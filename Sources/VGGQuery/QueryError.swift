import VGGApproximate
import VGGImaging
import VGGIndexTypes
import VGGInference

/// Why a question to the index could not be answered.
public enum QueryError: Error, Sendable, CustomStringConvertible {
    /// The index could not be read.
    case store(StoreError)
    /// Weights for a query outside the index could not be used.
    case inference(InferenceError)
    /// An argument that cannot be right (a folder that is not there, a label filter on a
    /// model without labels): the command line's fault.
    case invalidArgument(String)
    /// A label filter that names no ImageNet class.
    case unknownLabel(String)
    /// The index has nothing to answer from yet.
    case empty(String)
    /// A query image could not be decoded.
    case query(path: String, reason: String)
    /// The stored data is not what it must be (a vector of the wrong length).
    case inconsistent(String)
    /// A page or export could not be written.
    case cannotWrite(path: String, reason: String)
    /// An approximate index could not be built, read or searched.
    case approximate(ApproximateError)

    public var reason: String {
        switch self {
        case .store(let error): return error.reason
        case .inference(let error): return error.reason
        case .invalidArgument(let reason), .unknownLabel(let reason), .empty(let reason), .inconsistent(let reason): return reason
        case .query(let path, let reason): return "query \(path): \(reason)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .approximate(let error): return error.reason
        }
    }

    public var description: String { reason }
}
