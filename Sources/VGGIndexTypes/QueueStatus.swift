/// The shared work queue of a PostgreSQL index, as `status` shows it.
public struct QueueStatus: Sendable, Equatable {
    /// Files waiting for a worker.
    public var pending: Int
    /// Files a worker holds a live lease on.
    public var claimed: Int
    /// Claims whose lease ran out (their worker stopped): the next claim takes them.
    public var expired: Int
    public var done: Int
    /// Files that could not be indexed (the reason is on the image row).
    public var failed: Int
    /// Worker processes seen in the last minute.
    public var activeWorkers: Int
    /// Files finished in the last minute, per second.
    public var filesPerSecond: Double
    /// Workers that still hold claims whose lease ran out, or whose claims others took over
    /// since they were last seen (frozen, cut off or dead), most silent first.
    public var stalledWorkers: [StalledWorker] = []

    /// A worker holding expired claims, or not seen since its claims were taken over.
    public struct StalledWorker: Sendable, Equatable {
        public var host: String
        public var pid: Int
        /// Seconds since it last wrote (or registered).
        public var silentSeconds: Int
        /// Expired claims it still holds.
        public var claims: Int
        /// Claims other workers took over from it since it was last seen.
        public var takenOver: Int

        public init(host: String, pid: Int, silentSeconds: Int, claims: Int, takenOver: Int = 0) {
            self.host = host
            self.pid = pid
            self.silentSeconds = silentSeconds
            self.claims = claims
            self.takenOver = takenOver
        }
    }

    public init(pending: Int, claimed: Int, expired: Int, done: Int, failed: Int, activeWorkers: Int, filesPerSecond: Double) {
        self.pending = pending
        self.claimed = claimed
        self.expired = expired
        self.done = done
        self.failed = failed
        self.activeWorkers = activeWorkers
        self.filesPerSecond = filesPerSecond
    }
}
