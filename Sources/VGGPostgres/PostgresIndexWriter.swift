import Foundation
import VGGIndexTypes
import VGGSQL

/// A PostgreSQL index opened for writing. A scan (and `prune`, `roots remove`) holds the
/// index's advisory lock, as a SQLite scan holds its lock file: one at a time. Workers do
/// not take it; any number of them write beside a scan, each file through its claim.
public final class PostgresIndexWriter: IndexWriter {
    /// The advisory lock key (two 32-bit halves) of the one scan at a time.
    static let scanLockKey: (Int32, Int32) = (0x7667_6762, 1)

    /// This process as the queue knows it (`WorkerIdentity`).
    public let workerID: String

    /// Connects for writing (creating or migrating the schema). `exclusive` takes the scan
    /// lock, refusing with `.locked` while another scan holds it. `lease` is how many seconds
    /// a claim lasts without a write from its worker.
    /// - Parameter reconnect: what the connections do when they are lost (`work`, `scan`,
    ///   `import`); nil fails at once. An exclusive writer takes its lock again on the new
    ///   connection, and stops with `.locked` when another scan took it in the meantime.
    public static func open(url: String, lease: Double, exclusive: Bool, reconnect: ReconnectPolicy? = nil) throws(StoreError) -> PostgresIndexWriter {
        let writer = try PostgresIndex(url: url, migrate: true)
        writer.connection.reconnect = reconnect
        do throws(StoreError) {
            if exclusive {
                try writer.connection.takeSessionLock(scanLockKey, holder: "another vggbatch scan, prune or roots remove")
            }
            let reader = try PostgresIndex(url: url, migrate: false)
            reader.connection.reconnect = reconnect
            return PostgresIndexWriter(url: url, writer: writer, reader: reader, lease: lease, reconnect: reconnect)
        } catch {
            writer.close()
            throw error
        }
    }

    private init(url: String, writer: PostgresIndex, reader: PostgresIndex, lease: Double, reconnect: ReconnectPolicy?) {
        let workerID = WorkerIdentity.make()
        self.workerID = workerID
        super.init(
            location: writer.location, models: writer.models, roots: writer.roots, runs: writer.runs, search: writer.search,
            workers: PostgresWorkers(database: writer.connection, models: writer.models, workerID: workerID),
            approximate: writer.approximate, scanIndex: { runID, modelID in
                PostgresScanIndex(
                    writer: writer, reader: reader, runID: runID, modelID: modelID, url: url, workerID: workerID, lease: lease,
                    reconnect: reconnect)
            },
            close: {
                reader.close()
                writer.close()
            })
    }
}

/// The workers of a PostgreSQL index and the models they have work for.
final class PostgresWorkers: WorkerRegistry {
    private let database: PostgresConnection
    private let models: any ModelCatalog
    private let workerID: String

    init(database: PostgresConnection, models: any ModelCatalog, workerID: String) {
        self.database = database
        self.models = models
        self.workerID = workerID
    }

    func waitingModels() throws(StoreError) -> [(model: StoredModel, waiting: Int)] {
        let counts = try database.query(
            """
            SELECT model_id, COUNT(*) FROM work_item
            WHERE state = 'pending' OR (state = 'claimed' AND lease_until < now()) GROUP BY model_id ORDER BY 2 DESC, 1
            """, [])
        let known = try models.all()
        return counts.compactMap { row in
            guard let id = row[0].integer, let count = row[1].integer, let model = known.first(where: { $0.id == id }) else { return nil }
            return (model, Int(count))
        }
    }

    func register(modelID: Int64) throws(StoreError) {
        try database.run(
            """
            INSERT INTO worker (id, host, pid, model_id) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET model_id = excluded.model_id, last_seen_at = now()
            """, [.text(workerID), .text(ProcessInfo.processInfo.hostName), .integer(Int64(getpid())), .integer(modelID)])
    }
}
