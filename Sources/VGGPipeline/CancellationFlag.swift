import VGGIndexTypes
import Foundation

/// Set once (by a signal handler's dispatch source, say) and read by every stage, which
/// then stops taking new work; the batch in flight is still finished and written.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
