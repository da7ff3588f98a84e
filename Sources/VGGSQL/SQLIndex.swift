import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VGGIndexTypes

/// The vggbatch index in a SQL database, as a few stores by concern over one connection:
/// models, roots, runs, per-file rows, results and search data. Their SQL is written once for
/// SQLite (`SQLiteIndex`, in VGGStore) and PostgreSQL (`PostgresIndex`); only opening,
/// locking, the database's size and the queue differ, in subclasses.
///
/// One thread uses an index at a time: a scan writes through one opened for writing and
/// looks files up through another beside it.
open class SQLIndex {
    /// The connection every query of this index runs on.
    public let database: any SQLDatabase
    /// The database, for messages (a path, or a URL without its password).
    public let location: String
    public let models: SQLModels
    public let roots: SQLRoots
    public let runs: SQLRuns
    public let files: SQLFiles
    public let results: SQLResults
    public let search: SQLSearchData
    public let approximate: SQLApproximateData

    /// `schema` says which columns an index opened read-only (never migrated) has;
    /// `databaseFile` is the index's file, when it is one; `scanMayBeRunning` whether a run
    /// recorded as running may still be alive.
    public init(
        database: any SQLDatabase, schema: SQLSchema, databaseFile: String? = nil, scanMayBeRunning: @escaping () -> Bool = { true },
        recordInterruption: @escaping @Sendable (Int64) -> Void = { _ in }
    ) {
        self.database = database
        location = database.location
        models = SQLModels(database: database, schema: schema)
        roots = SQLRoots(database: database, schema: schema)
        runs = SQLRuns(database: database, schema: schema, scanMayBeRunning: scanMayBeRunning, recordInterruption: recordInterruption)
        files = SQLFiles(database: database, schema: schema)
        results = SQLResults(database: database, models: models, schema: schema)
        search = SQLSearchData(database: database, schema: schema)
        approximate = SQLApproximateData(database: database, schema: schema, databaseFile: databaseFile)
    }

    /// Bytes the index takes where it is stored, when known.
    open var storedBytes: Int64? { nil }

    /// The shared work queue's counts; nil for an index without one.
    open func queueStatus() throws(StoreError) -> QueueStatus? { nil }

    /// The index as the reading commands see it. Closing it closes this index.
    public var reader: IndexReader {
        IndexReader(
            location: location, models: models, roots: roots, runs: runs, results: results, search: search,
            approximate: approximate, storedBytes: { [self] in storedBytes }, queueStatus: { [self] () throws(StoreError) in try queueStatus() },
            close: { [self] in close() })
    }

    /// Runs `body` in one write transaction (committed, or rolled back on error).
    public func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try database.writeTransaction(body)
    }

    /// Closes the connection.
    public func close() {
        database.close()
    }
}

/// Which columns of the schema an index has. A reader cannot migrate an index written by an
/// older vggbatch, so queries that use later columns check here.
public struct SQLSchema: Sendable {
    /// Whether the model table has the weights location columns.
    public var recordsWeightsLocation: Bool
    /// Whether the model rows have `convolution_base` and `precision`.
    public var recordsModelProvenance: Bool
    /// Whether images have `format` and models `color`.
    public var recordsFormatAndColor: Bool
    /// Whether descriptors carry the revision they were written at (`SQLRevision`).
    public var recordsRevisions: Bool
    /// Whether images, vectors and labels are counted as they are written (`image_tally`,
    /// `vector_tally`, `label_tally`); without, the counts are taken from the rows.
    public var recordsTallies: Bool
    /// Whether scan runs record the vanished files they held back (`held_back_count`).
    public var recordsHeldBack: Bool

    public init(
        recordsWeightsLocation: Bool, recordsModelProvenance: Bool, recordsFormatAndColor: Bool, recordsRevisions: Bool,
        recordsTallies: Bool, recordsHeldBack: Bool
    ) {
        self.recordsWeightsLocation = recordsWeightsLocation
        self.recordsModelProvenance = recordsModelProvenance
        self.recordsFormatAndColor = recordsFormatAndColor
        self.recordsRevisions = recordsRevisions
        self.recordsTallies = recordsTallies
        self.recordsHeldBack = recordsHeldBack
    }

    /// Every column (a schema just migrated to the newest version).
    public static let current = SQLSchema(
        recordsWeightsLocation: true, recordsModelProvenance: true, recordsFormatAndColor: true, recordsRevisions: true,
        recordsTallies: true, recordsHeldBack: true)
}

/// The current UTC time as ISO 8601 with milliseconds, as every row records it (written on
/// every touched row, so formatted directly rather than through a date formatter).
public enum SQLClock {
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

/// The per-image, per-model result tables, removed together when content changes and copied
/// together when one file's results go to another row.
enum ResultTables {
    /// Each table and its columns besides `image_id`.
    static let columns: [(table: String, columns: String)] = [
        ("prediction", "model_id, rank, class_index, probability"),
        ("feature", "model_id, dim, vector"),
        ("feature_code", "model_id, scale, error, code"),
        ("feature_projection", "model_id, coordinates, residual"),
        ("descriptor", "model_id, kind, dim, vector"),
    ]

    static var names: [String] { columns.map(\.table) }

    /// Copies one image's rows of every result table to another image, keeping what the other
    /// already has. The copied features and descriptors are new rows to an approximate index:
    /// with `revisions`, they get the next revision.
    static func copy(from source: Int64, to destination: Int64, revisions: Bool, in database: any SQLDatabase) throws(StoreError) {
        for (table, columns) in columns {
            let copied = try database.run(
                "INSERT INTO \(table) (image_id, \(columns)) SELECT ?, \(columns) FROM \(table) WHERE image_id = ? ON CONFLICT DO NOTHING",
                [.integer(destination), .integer(source)])
            if (table == "descriptor" || table == "feature") && revisions && copied > 0 {
                try database.run(
                    "UPDATE \(table) SET revision = ? WHERE image_id = ?", [.integer(try SQLRevision.next(in: database)), .integer(destination)])
            }
        }
    }
}
