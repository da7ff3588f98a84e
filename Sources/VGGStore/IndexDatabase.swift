import Foundation
import VGGCommon
#if canImport(Glibc)
import Glibc
#endif
import VGGIndexTypes

/// The vggbatch index: one SQLite file in WAL mode, migrated on open.
///
/// A scan writes through exactly one `IndexDatabase` opened read-write (it also holds the
/// scan lock); `status`, `similar`, `export` and the scan's own lookups open read-only
/// connections beside it, which WAL lets run while the writer writes.
public final class IndexDatabase {
    public let path: String
    let connection: SQLiteConnection
    public let readOnly: Bool
    /// The migrations the file records. A reader cannot migrate an index written by an older
    /// vggbatch, so queries that use later columns check for the migration that added them.
    let appliedMigrations: Set<String>
    /// Prepared statements of the hot paths, reused (reset and rebound) for every row.
    private var statements: [String: SQLiteStatement] = [:]

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
        connection = try SQLiteConnection(path: path, readOnly: readOnly, create: !readOnly)
        if readOnly {
            let applied = try Migrator.appliedMigrations(connection)
            let known = Set(Migrator.embedded.map(\.identifier))
            let unknown = applied.filter { !known.contains($0) }
            if !unknown.isEmpty { throw .newerSchema(path: path, unknownMigrations: unknown) }
            if applied.isEmpty { throw .cannotOpen(path: path, reason: "not a vggbatch index (no schema)") }
            appliedMigrations = Set(applied)
        } else {
            try Migrator.migrate(connection, path: path)
            appliedMigrations = Set(Migrator.embedded.map(\.identifier))
            // WAL: readers (similar, status, export) keep working while a scan writes.
            try connection.execute("PRAGMA journal_mode=WAL")
            // NORMAL, not FULL: a power cut may lose the last transactions, never corrupt the
            // file. Every row is derived data that the next scan recomputes, so losing a tail
            // costs a little time, while FULL would fsync on every one of thousands of commits.
            try connection.execute("PRAGMA synchronous=NORMAL")
        }
    }

    /// Runs `body` in one IMMEDIATE transaction (committed, or rolled back on error).
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try connection.transaction(body)
    }

    /// Finalizes the cached statements and closes the connection. When the last connection
    /// to the file closes, SQLite checkpoints the write-ahead log into it and deletes the
    /// -wal and -shm files, so an index copied or archived afterwards is one file.
    public func close() {
        statements.removeAll()
        connection.close()
    }

    /// `transaction(_:)` for bodies that throw only `StoreError`, keeping the error typed.
    public func storeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try connection.storeTransaction(body)
    }

    /// Records run `runID` as interrupted through a connection of its own, for a process
    /// about to exit on a signal while its writer may be inside a transaction (waited for
    /// up to a second). Best effort: a run left running without its scan lock held is shown
    /// as interrupted anyway.
    public static func markInterrupted(path: String, runID: Int64) {
        guard let connection = try? SQLiteConnection(path: path, readOnly: false, create: false) else { return }
        defer { connection.close() }
        try? connection.execute("PRAGMA busy_timeout=1000")
        try? connection.run(
            "UPDATE scan_run SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'",
            [.text(now()), .integer(runID)])
    }

    /// Runs a statement prepared once per connection and cached, with new values.
    func runCached(_ sql: String, _ values: [SQLiteValue]) throws(StoreError) {
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            statement = try connection.prepare(sql)
            statements[sql] = statement
        }
        statement.reset()
        statement.clearBindings()
        try statement.bind(values)
        while try statement.step() {}
        statement.reset()
    }

    /// The current UTC time as ISO 8601 with milliseconds (written on every touched row, so
    /// formatted directly rather than through a date formatter).
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var parts = tm()
        var seconds = spec.tv_sec
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), spec.tv_nsec / 1_000_000)
    }
}
