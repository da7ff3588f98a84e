import VGGIndexTypes
import VGGInference

/// Why indexing stopped as a whole (one file's problems are recorded instead).
public enum IndexingError: Error, Sendable, CustomStringConvertible {
    /// The index could not be read or written.
    case store(StoreError)
    /// The weights or the engine could not be used.
    case inference(InferenceError)
    /// `work` on an index without a shared queue (SQLite).
    case noQueue(location: String)
    /// `--model N` names no model of the index.
    case noModel(Int64)
    /// The loaded weights do not compute the model the index has (another file, or another
    /// precision), said in one line.
    case modelRefused(String)
    /// Results to import that cannot be read (a missing file, damaged compression).
    case input(String)
    /// Anything else the pipeline met (a store that throws another error type).
    case other(String)

    public var reason: String {
        switch self {
        case .store(let error): return error.reason
        case .inference(let error): return error.reason
        case .other(let reason), .input(let reason), .modelRefused(let reason): return reason
        case .noQueue(let location): return "\(location) has no shared work queue; `vggbatch work` needs a PostgreSQL index"
        case .noModel(let id): return "no model \(id) in the index (see `vggbatch status`)"
        }
    }

    public var description: String { reason }

    /// The typed form of an error from the pipeline or a store.
    public static func from(_ error: Error) -> IndexingError {
        if let error = error as? IndexingError { return error }
        if let error = error as? StoreError { return .store(error) }
        return .other("\(error)")
    }
}
