/// How the last scan run went, for `status` and reports.
public struct RunRecord: Sendable, Equatable {
    public var started: String
    public var finished: String?
    /// "running", "finished", "interrupted" or "failed" (a run recorded as running without
    /// its scan holding the index is reported as interrupted).
    public var status: String

    public init(started: String, finished: String?, status: String) {
        self.started = started
        self.finished = finished
        self.status = status
    }
}
