import ArgumentParser
import VGGIndexTypes
import VGGIndexing
import VGGInference
import VGGQuery

/// The libraries' typed errors as the command line shows them: a bad argument is exit 64
/// (with the usage hint), anything else one line and exit 2.
extension QueryError {
    var failure: Error {
        if case .invalidArgument(let reason) = self { return ValidationError(reason) }
        return CommandFailure(reason)
    }
}

extension StoreError {
    var failure: CommandFailure { CommandFailure(reason) }
}

extension IndexingError {
    var failure: CommandFailure { CommandFailure(reason) }
}

extension InferenceError {
    var failure: CommandFailure { CommandFailure(reason) }
}
