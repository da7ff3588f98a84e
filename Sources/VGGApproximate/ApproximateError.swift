import VGGIndexTypes

/// Why an approximate index could not be built, read, written or searched.
public enum ApproximateError: Error, Sendable {
    /// The index was written before revisions existed (a scan migrates it).
    case noRevisions(location: String)
    /// The model has no descriptors of the kind asked.
    case empty(String)
    /// FAISS refused an operation.
    case library(operation: String, reason: String)
    /// The file could not be read or written.
    case file(path: String, reason: String)
    /// The file is not an approximate index (or not one this vggbatch can read).
    case corrupt(path: String, reason: String)
    case store(StoreError)

    /// One line for a person.
    public var reason: String {
        switch self {
        case .noRevisions(let location):
            "\(location) was written by an older vggbatch and does not record revisions yet; run `vggbatch scan` once to migrate it"
        case .empty(let message): message
        case .library(let operation, let reason): "approximate index: \(operation) failed: \(reason)"
        case .file(let path, let reason): "\(path): \(reason)"
        case .corrupt(let path, let reason): "\(path): not a usable approximate index (\(reason))"
        case .store(let error): error.reason
        }
    }
}
