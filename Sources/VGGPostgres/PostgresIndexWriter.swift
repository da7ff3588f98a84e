import Foundation
import VGGIndexTypes
import VGGStore

/// A PostgreSQL index opened for writing. A scan (and `prune`, `roots remove`) holds the
/// index's advisory lock, as a SQLite scan holds its lock file: one at a time. Workers do
/// not take it; any number of them write beside a scan, each file through its claim.
public final class PostgresIndexWriter: SQLIndexWriter, SharedIndexWriter {
    /// The advisory lock key (two 32-bit halves) of the one scan at a time.
    static let scanLockKey: (Int32, Int32) = (0x7667_6762, 1)

    let url: String
    /// Seconds a claim lasts without a write from its worker.
    public let lease: Double
    /// This process as the queue knows it (`WorkerIdentity`).
    public let workerID: String

    /// Connects for writing (creating or migrating the schema). `exclusive` takes the scan
    /// lock, refusing with `.locked` while another scan holds it.
    public static func open(url: String, lease: Double, exclusive: Bool) throws(StoreError) -> PostgresIndexWriter {
        let writer = try PostgresIndex(url: url, migrate: true)
        if exclusive {
            let taken = try writer.connection.query(
                "SELECT CASE WHEN pg_try_advisory_lock(?, ?) THEN 1 ELSE 0 END",
                [.integer(Int64(scanLockKey.0)), .integer(Int64(scanLockKey.1))])
            guard taken.first?.first?.integer == 1 else {
                writer.close()
                throw .locked(path: writer.location, reason: "another vggbatch scan, prune or roots remove is writing to it")
            }
        }
        let reader = try PostgresIndex(url: url, migrate: false)
        return PostgresIndexWriter(url: url, writer: writer, reader: reader, lease: lease)
    }

    private init(url: String, writer: PostgresIndex, reader: PostgresIndex, lease: Double) {
        self.url = url
        self.lease = lease
        workerID = WorkerIdentity.make()
        super.init(writer: writer, reader: reader, lock: nil) { runID in
            // The process is about to exit on a signal: a connection of its own, best effort.
            guard let connection = try? PostgresConnection(url: url) else { return }
            defer { connection.close() }
            try? SQLIndex(database: connection, location: connection.location, appliedMigrations: []).markInterrupted(runID: runID)
        }
    }

    public override func scanIndex(runID: Int64, modelID: Int64) -> any RunScanIndex {
        PostgresScanIndex(
            writer: writer, reader: reader, runID: runID, modelID: modelID, url: url, workerID: workerID, lease: lease)
    }

    public func waitingModels() throws(StoreError) -> [(model: StoredModel, waiting: Int)] {
        let counts = try writer.database.query(
            """
            SELECT model_id, COUNT(*) FROM work_item
            WHERE state = 'pending' OR (state = 'claimed' AND lease_until < now()) GROUP BY model_id ORDER BY 2 DESC, 1
            """, [])
        let models = try writer.models()
        return counts.compactMap { row in
            guard let id = row[0].integer, let count = row[1].integer, let model = models.first(where: { $0.id == id }) else { return nil }
            return (model, Int(count))
        }
    }

    public func registerWorker(modelID: Int64) throws(StoreError) {
        try writer.database.run(
            """
            INSERT INTO worker (id, host, pid, model_id) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET model_id = excluded.model_id, last_seen_at = now()
            """, [.text(workerID), .text(ProcessInfo.processInfo.hostName), .integer(Int64(getpid())), .integer(modelID)])
    }
}
