/// Counts recorded with a scan run.
public struct RunCounts: Sendable, Equatable {
    public var new = 0, changed = 0, touched = 0, unchanged = 0, moved = 0, failed = 0, missing = 0
    /// Images run through the network for the run's model.
    public var computed = 0
    /// Vanished files not marked missing because most of a root vanished at once.
    public var heldBack = 0
    public init() {}
}
