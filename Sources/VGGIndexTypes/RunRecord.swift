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

    public init(started: String, finished: String?, status: RunStatus) {
        self.started = started
        self.finished = finished
        self.status = status
    }
}
