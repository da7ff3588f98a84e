import ArgumentParser
import Foundation
import VGGCommon
import VGGIndexTypes
import VGGIndexing
import VGGPostgres
import VGGQuery
import VGGStore

/// Where the index lives: an SQLite file, or a PostgreSQL database shared by many machines.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The index: an SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB. Default: $VGGBATCH_DB, else $XDG_DATA_HOME/vggbatch/index.sqlite (~/.local/share/vggbatch/index.sqlite).",
        valueName: "path-or-url"))
    var db: String?

    /// The SQLite path or PostgreSQL URL in effect.
    func path(environment: [String: String]) -> String {
        SQLiteIndex.defaultPath(explicit: db, environment: environment)
    }

    /// An empty value, a URL of a database vggbatch does not speak, or a folder is a mistake
    /// to hear about before anything is opened or created.
    func validate() throws {
        if let db, db.isEmpty { throw ValidationError("--db is empty: give an SQLite file or a postgresql:// URL.") }
        let target = path(environment: ProcessInfo.processInfo.environment)
        if !PostgresIndex.isURL(target), let scheme = target.range(of: "://").map({ String(target[..<$0.lowerBound]) }),
            !scheme.isEmpty, !scheme.contains("/")
        {
            throw ValidationError("--db \(target): \(scheme):// is not a database vggbatch uses; give an SQLite file or a postgresql:// URL.")
        }
        if !PostgresIndex.isURL(target), PathBytes.kind(target) == .directory {
            throw ValidationError("--db \(target) is a folder; give the index file in it, e.g. \((target as NSString).appendingPathComponent("index.sqlite")).")
        }
    }

    private var target: String { path(environment: ProcessInfo.processInfo.environment) }

    /// Whether the index is on a PostgreSQL server.
    var isPostgres: Bool { PostgresIndex.isURL(target) }

    /// Whether an index exists there (a PostgreSQL database is asked when opened).
    var exists: Bool { isPostgres || FileManager.default.fileExists(atPath: target) }

    /// Only the default location's folder is created on demand; a folder named by the user
    /// must exist (a typo should not create a new index somewhere).
    func usesDefaultLocation(environment: [String: String]) -> Bool {
        db == nil && (environment["VGGBATCH_DB"] ?? "").isEmpty
    }

    /// Opens the index for reading, as every command but `scan`, `work`, `prune` and
    /// `roots remove` does (a read-only SQLite file in a read-only folder is fine).
    func openReader() throws -> IndexReader {
        do throws(StoreError) {
            if isPostgres { return try PostgresIndex(url: target, migrate: false).reader }
            return try SQLiteIndex(path: target, readOnly: true).reader
        } catch {
            throw error.failure
        }
    }

    /// Opens the index for writing, holding the right to write (SQLite's scan lock, the
    /// PostgreSQL index's advisory lock). `reconnect` is what a PostgreSQL index's
    /// connections do when they are lost (long-running commands: `scan`, `import`).
    func openWriter(reconnect: ReconnectPolicy? = nil) throws -> IndexWriter {
        let environment = ProcessInfo.processInfo.environment
        do throws(StoreError) {
            if isPostgres {
                return try PostgresIndexWriter.open(url: target, lease: Self.defaultLease, exclusive: true, reconnect: reconnect)
            }
            return try SQLiteIndex.openWriter(path: target, createDirectory: usesDefaultLocation(environment: environment))
        } catch {
            throw error.failure
        }
    }

    /// Opens an existing index for writing (`prune`, `roots remove`): no index is created.
    func openExistingWriter() throws -> IndexWriter {
        if isPostgres {
            _ = try openReader()
        } else if !exists {
            throw CommandFailure("no index at \(target)")
        }
        return try openWriter()
    }

    /// Opens an existing index to record a little beside scans and workers (an approximate
    /// index's measured recall): on PostgreSQL without the scan lock; on SQLite with it,
    /// briefly.
    func openRecorder() throws -> IndexWriter {
        guard isPostgres else { return try openExistingWriter() }
        do throws(StoreError) {
            return try PostgresIndexWriter.open(url: target, lease: Self.defaultLease, exclusive: false)
        } catch {
            throw error.failure
        }
    }

    /// Opens a PostgreSQL index as one of its workers, beside the scan and other workers.
    func openWorker(lease: Double, reconnect: ReconnectPolicy? = nil) throws -> IndexWriter {
        guard isPostgres else {
            throw ValidationError("`vggbatch work` needs a PostgreSQL index (--db postgresql://USER@HOST:PORT/DB, or VGGBATCH_DB); an SQLite index is scanned by one machine")
        }
        do throws(StoreError) {
            return try PostgresIndexWriter.open(url: target, lease: lease, exclusive: false, reconnect: reconnect)
        } catch {
            throw error.failure
        }
    }

    /// Seconds a claim of the work queue lasts without a write from its worker.
    static let defaultLease = 120.0
}
