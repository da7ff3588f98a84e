/// How a scan run ended, or that it has not.
public enum RunStatus: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case running, finished, interrupted, failed

    public var description: String { rawValue }
}

/// How the last scan run went, for `status` and reports.
public struct RunRecord: Sendable, Equatable {
    public var started: String
    public var finished: String?
    /// A run recorded as running without its scan holding the index is reported as
    /// interrupted.
    public var status: RunStatus
    /// A scan that only walked and queued its files for workers (`scan --queue-only`):
    /// finished, it has computed nothing.
    public var queueOnly: Bool
    /// Vanished files the run did not mark missing because most of a root vanished at once
    /// (an unmounted drive?): the index still calls them present.
    public var heldBack: Int

    public init(started: String, finished: String?, status: RunStatus, queueOnly: Bool = false, heldBack: Int = 0) {
        self.started = started
        self.finished = finished
        self.status = status
        self.queueOnly = queueOnly
        self.heldBack = heldBack
    }

    /// How a scan's options say it only queued (`queueOnlyOption` among them).
    public static let queueOnlyOption = "queue-only=true"
}
