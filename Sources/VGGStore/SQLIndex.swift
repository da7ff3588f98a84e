import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VGGIndexTypes

/// The vggbatch index in a SQL database: roots, one row per image file, models, results,
/// runs and search data. Its SQL is written once for SQLite (`IndexDatabase`) and PostgreSQL
/// (`PostgresIndex`); only opening, locking and the database's size differ, in subclasses.
///
/// One thread uses an index at a time: a scan writes through one opened for writing and
/// looks files up through another beside it.
open class SQLIndex {
    /// The connection every query of this index runs on.
    public let database: any SQLDatabase
    /// The database, for messages (a path, or a URL without its password).
    public let location: String
    /// The migrations the database records. A reader cannot migrate an index written by an
    /// older vggbatch, so queries that use later columns check for the migration that added
    /// them.
    public let appliedMigrations: Set<String>

    public init(database: any SQLDatabase, location: String, appliedMigrations: Set<String>) {
        self.database = database
        self.location = location
        self.appliedMigrations = appliedMigrations
    }

    /// Whether the model table has the weights location columns (SQLite migration 0004; an
    /// older index opened read-only lacks them).
    open var recordsWeightsLocation: Bool { appliedMigrations.contains("0004_add_weights_location") }
    /// Whether the model rows have `convolution_base` (an index opened read-only is not
    /// migrated).
    open var recordsModelProvenance: Bool { appliedMigrations.contains("0006_add_model_provenance") }

    /// Bytes the index takes where it is stored, when known.
    open var storedBytes: Int64? { nil }

    /// Whether a scan may still be running. A run recorded as running while no scan can be
    /// alive was left by a process that died, and is reported as interrupted.
    open func scanMayBeRunning() -> Bool { true }

    /// The shared work queue's counts; nil for an index without one.
    open func queueStatus() throws(StoreError) -> QueueStatus? { nil }

    /// Runs `body` in one write transaction (committed, or rolled back on error).
    public func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try database.writeTransaction(body)
    }

    /// Closes the connection.
    public func close() {
        database.close()
    }

    /// The current UTC time as ISO 8601 with milliseconds (written on every touched row, so
    /// formatted directly rather than through a date formatter).
    public static func now() -> String {
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
