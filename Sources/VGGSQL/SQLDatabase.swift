import VGGIndexTypes

/// A database connection the index runs its SQL on: SQLite (`SQLiteConnection`) or
/// PostgreSQL (`PostgresConnection`, in VGGPostgres). The index's SQL is written once, with
/// `?` placeholders, in the part of SQL both speak; `dialect` covers the few expressions
/// where they differ.
///
/// One thread uses a connection at a time.
public protocol SQLDatabase: AnyObject {
    var dialect: SQLDialect { get }
    /// The database, for messages (a path, or a URL without its password).
    var location: String { get }

    /// Runs one statement with `values` bound to its `?` placeholders in order and returns
    /// every row.
    func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [[SQLValue]]

    /// Runs one statement that returns no rows, prepared once per connection and reused;
    /// returns how many rows it inserted, updated or deleted.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int

    /// Runs one query and hands its rows to `body` one at a time, never holding them all
    /// (SQLite steps the statement; PostgreSQL fetches pages from a server-side cursor),
    /// until `body` returns false. `body` may run other statements on this connection.
    func scanRows(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Bool) throws(StoreError)

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it
    /// (or the commit) throws.
    func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R

    func close()
}

extension SQLDatabase {
    /// Runs an INSERT and returns the id of the new row.
    public func insert(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int64 {
        guard let id = try query(sql + " RETURNING id", values).first?.first?.integer else {
            throw .corrupt(path: location, reason: "a new row got no id")
        }
        return id
    }

    /// `scanRows` over every row.
    public func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Void) throws(StoreError) {
        try scanRows(sql, values) { (row: SQLRow) throws(StoreError) -> Bool in
            try body(row)
            return true
        }
    }
}

/// The current row of `SQLDatabase.scanRows`, valid only inside the call that lends it.
/// Columns are numbered from 0.
public protocol SQLRow {
    func isNull(_ column: Int) -> Bool
    /// The integer in the column (0 for NULL).
    func int64(_ column: Int) -> Int64
    /// The number in the column (0 for NULL).
    func double(_ column: Int) -> Double
    /// The bytes in the column, copied; nil for NULL.
    func blob(_ column: Int) -> [UInt8]?
    /// The bytes in the column lent to `body` without a copy (empty for NULL).
    func withBlob<R>(_ column: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R
}

/// The SQL that differs between the databases the index runs on.
public enum SQLDialect: Sendable {
    case sqlite
    case postgresql

    /// The bytes of `a` followed by those of `b` (two byte-string expressions).
    public func concatenated(_ a: String, _ b: String) -> String {
        switch self {
        // `||` makes text in SQLite; the cast turns it back into the same bytes.
        case .sqlite: return "CAST(\(a) || \(b) AS BLOB)"
        case .postgresql: return "(\(a) || \(b))"
        }
    }

    /// A file's absolute path from its root's path and its path relative to the root.
    public func absolutePath(root: String, relative: String) -> String {
        switch self {
        case .sqlite: return "CAST(\(root) || X'2F' || \(relative) AS BLOB)"
        case .postgresql: return "(\(root) || '\\x2f'::bytea || \(relative))"
        }
    }
}

/// Pieces of SQL text built from counts.
public enum SQLText {
    /// `?,?,?` for `count` values of an IN list.
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    /// `(?, ?), (?, ?)` for the rows of a multi-row VALUES list.
    public static func valueGroups(_ rows: [[SQLValue]]) -> String {
        rows.map { "(" + Array(repeating: "?", count: $0.count).joined(separator: ", ") + ")" }.joined(separator: ", ")
    }
}
