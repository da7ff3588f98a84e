import Foundation
import VGGCommon
#if canImport(Glibc)
import Glibc
#endif
import VGGIndexTypes
import VGGSQL

/// The index in one SQLite file in WAL mode, migrated on open.
///
/// A scan writes through exactly one `SQLiteIndex` opened read-write (it also holds the
/// scan lock); `status`, `similar`, `export` and the scan's own lookups open read-only
/// connections beside it, which WAL lets run while the writer writes.
public final class SQLiteIndex: SQLIndex {
    public let path: String
    public let readOnly: Bool
    let connection: SQLiteConnection

    /// `--db PATH`, else `VGGBATCH_DB`, else `$XDG_DATA_HOME/vggbatch/index.sqlite`
    /// (`~/.local/share/vggbatch/index.sqlite`).
    public static func defaultPath(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["VGGBATCH_DB"], !fromEnvironment.isEmpty { return fromEnvironment }
        let data: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            data = xdg
        } else {
            data = ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        }
        return (data as NSString).appendingPathComponent("vggbatch/index.sqlite")
    }

    /// Checks that the folder of the index at `path` exists, creating it first when `create`.
    static func prepareDirectory(for path: String, create: Bool) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        if create { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard PathBytes.kind(directory) == .directory else {
            throw .cannotOpen(path: path, reason: "directory \(directory) does not exist")
        }
    }

    /// Opens (creating and migrating when `readOnly` is false) the index at `path`.
    ///
    /// Read-write: the parent directory must exist unless it is the default location, which
    /// is created; a newer schema is refused before anything is written.
    public init(path: String, readOnly: Bool, createDirectory: Bool = false) throws(StoreError) {
        self.path = path
        self.readOnly = readOnly
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw .cannotOpen(path: path, reason: "no index here yet; run `vggbatch scan DIR` first")
            }
        } else {
            try Self.prepareDirectory(for: path, create: createDirectory)
        }
        let connection = try SQLiteConnection(path: path, readOnly: readOnly, create: !readOnly)
        self.connection = connection
        let applied: [String]
        if readOnly {
            applied = try Migrator.appliedMigrations(connection)
            try Migration.refuseUnknown(applied, known: Migrator.embedded, location: path)
            if applied.isEmpty { throw .cannotOpen(path: path, reason: "not a vggbatch index (no schema)") }
        } else {
            // Another program's database (a mistyped --db) is never written into: only an
            // empty file or an index is.
            if try Migrator.appliedMigrations(connection).isEmpty,
                case .integer(let tables)? = try connection.query("SELECT COUNT(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").first?.first,
                tables > 0
            {
                throw .cannotOpen(path: path, reason: "not a vggbatch index (an SQLite database with \(tables == 1 ? "a table" : "\(tables) tables") of its own); nothing was written to it")
            }
            try Migrator.migrate(connection, path: path)
            applied = Migrator.embedded.map(\.identifier)
            // WAL: readers (similar, status, export) keep working while a scan writes.
            try connection.execute("PRAGMA journal_mode=WAL")
            // NORMAL, not FULL: a power cut may lose the last transactions, never corrupt the
            // file. Every row is derived data that the next scan recomputes, so losing a tail
            // costs a little time, while FULL would fsync on every one of thousands of commits.
            try connection.execute("PRAGMA synchronous=NORMAL")
        }
        let schema = SQLSchema(
            recordsWeightsLocation: applied.contains("0004_add_weights_location"),
            recordsModelProvenance: applied.contains("0006_add_model_provenance"),
            recordsFormatAndColor: applied.contains("0007_add_image_format_and_model_color"),
            recordsRevisions: applied.contains("0008_add_vector_revision"), recordsTallies: applied.contains("0009_add_tallies"),
            recordsHeldBack: applied.contains("0010_add_run_held_back"))
        super.init(
            database: connection, schema: schema, databaseFile: path, scanMayBeRunning: { ScanLock.isHeld(databasePath: path) },
            recordInterruption: { Self.markInterrupted(path: path, runID: $0) })
    }

    /// Takes the scan lock on the index at `path` and opens it for writing (creating and
    /// migrating it; its folder must exist unless `createDirectory`, the default location's
    /// case), with a read connection beside the writer for the scan's lookups.
    public static func openWriter(path: String, createDirectory: Bool) throws(StoreError) -> IndexWriter {
        try prepareDirectory(for: path, create: createDirectory)
        let lock = try ScanLock(databasePath: path)
        let writer: SQLiteIndex
        do throws(StoreError) {
            writer = try SQLiteIndex(path: path, readOnly: false)
        } catch {
            lock.removeFileIfMade()
            throw error
        }
        let reader: SQLiteIndex
        do throws(StoreError) {
            reader = try SQLiteIndex(path: path, readOnly: true)
        } catch {
            writer.close()
            lock.removeFileIfMade()
            throw error
        }
        return IndexWriter(
            location: path, models: writer.models, roots: writer.roots, runs: writer.runs, search: writer.search,
            approximate: writer.approximate, scanIndex: { SQLScanIndex(writer: writer, reader: reader, runID: $0, modelID: $1) },
            close: {
                reader.close()
                writer.close()
                lock.release()
            })
    }

    /// Bytes used by the database file and its WAL.
    public override var storedBytes: Int64? {
        var total: Int64 = 0
        for suffix in ["", "-wal"] {
            var info = stat()
            if stat(path + suffix, &info) == 0 { total += Int64(info.st_size) }
        }
        return total
    }

    /// Records run `runID` as interrupted through a connection of its own, for a process
    /// about to exit on a signal while its writer may be inside a transaction (waited for
    /// up to a second). Best effort: a run left running without its scan lock held is shown
    /// as interrupted anyway.
    public static func markInterrupted(path: String, runID: Int64) {
        guard let connection = try? SQLiteConnection(path: path, readOnly: false, create: false) else { return }
        defer { connection.close() }
        try? connection.execute("PRAGMA busy_timeout=1000")
        try? SQLIndex(database: connection, schema: .current).runs.markInterrupted(runID: runID)
    }
}
