import VGGIndexTypes

/// The scan_run table: when each scan started and ended, how, and with what counts.
public final class SQLRuns: RunLog, RunRecorder {
    private let database: any SQLDatabase
    private let schema: SQLSchema
    private let scanMayBeRunning: () -> Bool
    private let recordInterruption: @Sendable (Int64) -> Void

    /// `scanMayBeRunning` tells whether a run recorded as running may still be alive;
    /// `recordInterruption` records a run as interrupted through a connection of its own.
    init(
        database: any SQLDatabase, schema: SQLSchema, scanMayBeRunning: @escaping () -> Bool,
        recordInterruption: @escaping @Sendable (Int64) -> Void
    ) {
        self.database = database
        self.schema = schema
        self.scanMayBeRunning = scanMayBeRunning
        self.recordInterruption = recordInterruption
    }

    public func last() throws(StoreError) -> RunRecord? {
        let heldBack = schema.recordsHeldBack ? "held_back_count" : "0"
        guard let row = try database.query(
            "SELECT started_at, finished_at, status, options, \(heldBack) FROM scan_run ORDER BY id DESC LIMIT 1", []).first,
            let started = row[0].text, let text = row[2].text
        else { return nil }
        guard var status = RunStatus(rawValue: text) else {
            throw .corrupt(path: database.location, reason: "a scan run's status is \"\(text)\", not one of running, finished, interrupted, failed")
        }
        // A run recorded as running while no scan holds the index was left by a process that died.
        if status == .running && !scanMayBeRunning() { status = .interrupted }
        let queueOnly = (row[3].text ?? "").split(separator: " ").contains { $0 == RunRecord.queueOnlyOption }
        return RunRecord(
            started: started, finished: row[1].text, status: status, queueOnly: queueOnly, heldBack: Int(row[4].integer ?? 0))
    }

    /// Runs still marked running are from a scan that was killed (the caller holds the scan
    /// lock, so none is alive): they are marked interrupted.
    ///
    /// The options get a token of this call (`run=<16 hex digits>`): when the reply to the
    /// COMMIT is lost with the connection, the transaction runs again on a new one, and then
    /// finds the run it did insert instead of marking it interrupted and inserting a second.
    public func begin(options: String, modelID: Int64) throws(StoreError) -> Int64 {
        let token = String(UInt64.random(in: 1 << 60...UInt64.max), radix: 16)
        let tagged = options.isEmpty ? "run=\(token)" : options + " run=\(token)"
        return try database.writeTransaction { () throws(StoreError) in
            if let earlier = try database.query("SELECT id FROM scan_run WHERE options = ? AND status = 'running'", [.text(tagged)]).first?.first?.integer {
                return earlier
            }
            try database.run("UPDATE scan_run SET status = 'interrupted', finished_at = ? WHERE status = 'running'", [.text(SQLClock.now())])
            return try database.insert(
                "INSERT INTO scan_run (started_at, options, model_id, status) VALUES (?, ?, ?, 'running')",
                [.text(SQLClock.now()), .text(tagged), .integer(modelID)])
        }
    }

    public func finish(_ id: Int64, status: RunStatus, counts: RunCounts) throws(StoreError) {
        try database.run(
            """
            UPDATE scan_run SET finished_at = ?, status = ?, new_count = ?, changed_count = ?, touched_count = ?,
                unchanged_count = ?, moved_count = ?, failed_count = ?, missing_count = ?, computed_count = ?, held_back_count = ? WHERE id = ?
            """,
            [.text(SQLClock.now()), .text(status.rawValue)]
                + [counts.new, counts.changed, counts.touched, counts.unchanged, counts.moved, counts.failed, counts.missing, counts.computed,
                   counts.heldBack]
                .map { .integer(Int64($0)) } + [.integer(id)])
    }

    /// Records a run as interrupted, unless it already ended.
    public func markInterrupted(runID: Int64) throws(StoreError) {
        try database.run(
            "UPDATE scan_run SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'",
            [.text(SQLClock.now()), .integer(runID)])
    }

    public func interruptionRecorder(runID: Int64) -> @Sendable () -> Void {
        let record = recordInterruption
        return { record(runID) }
    }
}
