import VGGIndexTypes
import VGGSQL

/// The index on a PostgreSQL server (`--db postgresql://USER@HOST:PORT/DB`): the same
/// queries as SQLite's, through libpq, plus the shared work queue.
public final class PostgresIndex: SQLIndex {
    public let connection: PostgresConnection

    /// Whether `text` names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Connects to `url`. For writing (`migrate`), the schema is created or brought up to
    /// date; for reading it must exist. Either way a newer schema is refused first.
    public init(url: String, migrate: Bool) throws(StoreError) {
        let connection = try PostgresConnection(url: url)
        self.connection = connection
        let applied: [String]
        do throws(StoreError) {
            if migrate {
                try PostgresMigrator.migrate(connection)
                applied = PostgresMigrator.embedded.map(\.identifier)
            } else {
                applied = try PostgresMigrator.appliedMigrations(connection)
                try Migration.refuseUnknown(applied, known: PostgresMigrator.embedded, location: connection.location)
                if applied.isEmpty {
                    throw StoreError.cannotOpen(
                        path: connection.location, reason: "no vggbatch index in this database yet; run `vggbatch scan DIR --db URL` first")
                }
                // A reader never writes by mistake.
                try connection.execute("SET default_transaction_read_only = on")
            }
        } catch {
            connection.close()
            throw error
        }
        // The schema has had the weights location columns from its first version.
        let schema = SQLSchema(
            recordsWeightsLocation: true, recordsModelProvenance: applied.contains("0004_add_model_provenance"),
            recordsFormatAndColor: applied.contains("0005_add_image_format_and_model_color"),
            recordsRevisions: applied.contains("0007_add_vector_revision"), recordsTallies: applied.contains("0008_add_tallies"),
            recordsHeldBack: applied.contains("0009_add_run_held_back"))
        super.init(
            database: connection, schema: schema, scanMayBeRunning: { Self.scanLockIsHeld(connection) },
            recordInterruption: { runID in
                // The process is about to exit on a signal: a connection of its own, best effort.
                guard let own = try? PostgresConnection(url: url) else { return }
                defer { own.close() }
                try? SQLIndex(database: own, schema: .current).runs.markInterrupted(runID: runID)
            })
    }

    public override var storedBytes: Int64? {
        (try? connection.query("SELECT pg_database_size(current_database())", []))?.first?.first?.integer
    }

    public override func queueStatus() throws(StoreError) -> QueueStatus? {
        guard let row = try connection.query(
            """
            SELECT COUNT(*) FILTER (WHERE state = 'pending'), COUNT(*) FILTER (WHERE state = 'claimed' AND lease_until >= now()),
                COUNT(*) FILTER (WHERE state = 'claimed' AND lease_until < now()), COUNT(*) FILTER (WHERE state = 'done'),
                COUNT(*) FILTER (WHERE state = 'failed'),
                COUNT(*) FILTER (WHERE state IN ('done', 'failed') AND finished_at > now() - interval '1 minute'),
                (SELECT COUNT(*) FROM worker WHERE last_seen_at > now() - interval '1 minute')
            FROM work_item
            """, []).first
        else { return nil }
        let counts = row.map { Int($0.integer ?? 0) }
        var status = QueueStatus(
            pending: counts[0], claimed: counts[1], expired: counts[2], done: counts[3], failed: counts[4],
            activeWorkers: counts[6], filesPerSecond: Double(counts[5]) / 60)
        status.stalledWorkers = try stalledWorkers()
        return status
    }

    /// Workers whose claims ran out while they still hold them, and workers not seen since
    /// others took over their claims in the last hour (frozen, cut off or dead): once it
    /// writes again a worker is no longer stalled.
    private func stalledWorkers() throws(StoreError) -> [QueueStatus.StalledWorker] {
        try connection.query(
            """
            SELECT w.host, w.pid, CAST(EXTRACT(EPOCH FROM now() - w.last_seen_at) AS BIGINT), COALESCE(held.claims, 0),
                COALESCE(taken.files, 0)
            FROM worker w
            LEFT JOIN (
                SELECT claimed_by, COUNT(*) AS claims FROM work_item WHERE state = 'claimed' AND lease_until < now() GROUP BY claimed_by
            ) held ON held.claimed_by = w.id
            LEFT JOIN (
                SELECT t.worker_id, CAST(SUM(t.files) AS BIGINT) AS files FROM worker_takeover t JOIN worker o ON o.id = t.worker_id
                WHERE t.taken_at > o.last_seen_at AND t.taken_at > now() - interval '1 hour' GROUP BY t.worker_id
            ) taken ON taken.worker_id = w.id
            WHERE held.claims > 0 OR taken.files > 0
            ORDER BY 3 DESC LIMIT 20
            """, []
        ).map { row in
            QueueStatus.StalledWorker(
                host: row[0].text ?? "?", pid: Int(row[1].integer ?? 0), silentSeconds: Int(row[2].integer ?? 0),
                claims: Int(row[3].integer ?? 0), takenOver: Int(row[4].integer ?? 0))
        }
    }

    /// A scan holds the index's advisory lock while it runs.
    private static func scanLockIsHeld(_ connection: PostgresConnection) -> Bool {
        let held = try? connection.query(
            """
            SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ?
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, [.integer(Int64(PostgresIndexWriter.scanLockKey.0)), .integer(Int64(PostgresIndexWriter.scanLockKey.1))])
        return (held?.first?.first?.integer ?? 1) > 0
    }
}
