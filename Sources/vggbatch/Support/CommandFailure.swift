/// An error that stops a command as a whole (bad weights, unwritable output): printed as one
/// line, exit status 2. Per-file problems are reported and counted instead (exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}
