import VGGSQL
import CSQLite3
import VGGIndexTypes

/// A compiled statement, finalized when released. Prepare once, then bind, step and reset
/// for each row of a batch.
///
/// Parameters are numbered from 1 and columns from 0, as in SQLite. The statement keeps its
/// connection alive; it must not be used after the connection's `close()`.
public final class SQLiteStatement {
    /// The SQL the statement was compiled from (it appears in errors).
    public let sql: String
    /// The connection, held strongly by statements handed to callers; the connection's own
    /// cached statements (`SQLiteConnection.run`) do not hold it, or neither would ever go.
    private let owner: SQLiteConnection?
    private unowned(unsafe) let connection: SQLiteConnection
    private let handle: OpaquePointer

    init(connection: SQLiteConnection, handle: OpaquePointer, sql: String, retainsConnection: Bool = true) {
        self.owner = retainsConnection ? connection : nil
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: - Binding

    /// Binds an integer to parameter `index` (from 1).
    public func bind(_ index: Int32, _ value: Int64) throws(StoreError) {
        try check(sqlite3_bind_int64(liveHandle, index, value))
    }

    /// Binds a floating-point value to parameter `index` (from 1).
    public func bind(_ index: Int32, _ value: Double) throws(StoreError) {
        try check(sqlite3_bind_double(liveHandle, index, value))
    }

    /// Binds text to parameter `index` (from 1): every UTF-8 byte, embedded NULs included.
    public func bind(_ index: Int32, _ value: String) throws(StoreError) {
        let statement = liveHandle
        // withCString, not withUTF8: its pointer is never nil, and a nil pointer would bind
        // NULL instead of an empty string.
        let code = value.withCString { text in
            sqlite3_bind_text64(statement, index, text, UInt64(value.utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
        }
        try check(code)
    }

    /// Binds bytes as a BLOB to parameter `index` (from 1). SQLite copies them.
    public func bind(_ index: Int32, _ value: [UInt8]) throws(StoreError) {
        let statement = liveHandle
        // An empty array may have no base address, and a nil pointer would bind NULL.
        guard !value.isEmpty else {
            try check(sqlite3_bind_zeroblob(statement, index, 0))
            return
        }
        let code = value.withUnsafeBytes { bytes in
            sqlite3_bind_blob64(statement, index, bytes.baseAddress, UInt64(bytes.count), sqliteTransient)
        }
        try check(code)
    }

    /// Binds NULL to parameter `index` (from 1).
    public func bindNull(_ index: Int32) throws(StoreError) {
        try check(sqlite3_bind_null(liveHandle, index))
    }

    /// Binds any value to parameter `index` (from 1).
    public func bind(_ index: Int32, _ value: SQLValue) throws(StoreError) {
        switch value {
        case .null: try bindNull(index)
        case .integer(let integer): try bind(index, integer)
        case .real(let real): try bind(index, real)
        case .text(let text): try bind(index, text)
        case .blob(let bytes): try bind(index, bytes)
        }
    }

    /// Binds `values` to parameters 1, 2, …; there must be one value per parameter.
    public func bind(_ values: SQLValue...) throws(StoreError) {
        try bind(values)
    }

    /// Binds `values` to parameters 1, 2, …; there must be one value per parameter.
    public func bind(_ values: [SQLValue]) throws(StoreError) {
        let expected = Int(sqlite3_bind_parameter_count(liveHandle))
        precondition(values.count == expected, "\(values.count) values for \(expected) parameters in: \(sql)")
        for (offset, value) in values.enumerated() {
            try bind(Int32(offset + 1), value)
        }
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        sqlite3_clear_bindings(liveHandle)
    }

    // MARK: - Running

    /// Runs the statement to its next row: true when a row is ready to read, false when done.
    ///
    /// On failure the statement is reset, so it can be bound and stepped again.
    public func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(liveHandle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            // The message is read before reset, which ends the statement's run.
            let error = connection.error(code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Rewinds the statement to run again; bindings are kept.
    public func reset() {
        // The code it returns repeats the last step's failure, which step already threw.
        sqlite3_reset(liveHandle)
    }

    // MARK: - Reading the current row

    /// The number of columns in each row.
    public var columnCount: Int32 { sqlite3_column_count(liveHandle) }

    /// Whether column `column` (from 0) of the current row is NULL.
    public func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(liveHandle, column) == SQLITE_NULL
    }

    /// Column `column` (from 0) as an integer (0 for NULL).
    public func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(liveHandle, column)
    }

    /// Column `column` (from 0) as a floating-point value (0 for NULL).
    public func double(_ column: Int32) -> Double {
        sqlite3_column_double(liveHandle, column)
    }

    /// Column `column` (from 0) as text, or nil for NULL. Bytes that are not UTF-8 become U+FFFD.
    public func text(_ column: Int32) -> String? {
        let statement = liveHandle
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        // Text first, then its length: asking for the length first could convert it twice.
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        // Safe: SQLite keeps `count` bytes at `bytes` until the next step, reset or finalize.
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `column` (from 0) as bytes (copied), or nil for NULL.
    public func blob(_ column: Int32) -> [UInt8]? {
        let statement = liveHandle
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        // A zero-length BLOB comes back as a nil pointer.
        guard let bytes = sqlite3_column_blob(statement, column) else { return [] }
        let count = Int(sqlite3_column_bytes(statement, column))
        // Safe: SQLite keeps `count` bytes at `bytes` until the next step, reset or finalize.
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `column` (from 0) as bytes lent to `body` without a copy (empty for NULL);
    /// they must not be kept past `body`.
    public func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let statement = liveHandle
        guard let bytes = sqlite3_column_blob(statement, column) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let count = Int(sqlite3_column_bytes(statement, column))
        // Safe: SQLite keeps `count` bytes at `bytes` until the next step, reset or finalize,
        // none of which can happen while `body` runs.
        return body(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `column` (from 0) with the type SQLite stored it as.
    public func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(liveHandle, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(text(column) ?? "")
        case SQLITE_BLOB: return .blob(blob(column) ?? [])
        default: return .null
        }
    }

    // MARK: - Internals

    private var liveHandle: OpaquePointer {
        precondition(connection.isOpen, "SQLiteStatement used after its connection was closed: \(sql)")
        return handle
    }

    private func check(_ code: Int32) throws(StoreError) {
        guard code == SQLITE_OK else { throw connection.error(code, sql: sql) }
    }
}

/// SQLITE_TRANSIENT, a macro Swift does not import: SQLite copies the bytes before the bind
/// call returns, so Swift's buffer may go as soon as it does.
private var sqliteTransient: sqlite3_destructor_type {
    // Safe: SQLite defines SQLITE_TRANSIENT as the destructor value -1; it compares the
    // value and never calls it.
    unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}

extension SQLiteStatement: SQLRow {
    public func isNull(_ column: Int) -> Bool { isNull(Int32(column)) }
    public func int64(_ column: Int) -> Int64 { int64(Int32(column)) }
    public func double(_ column: Int) -> Double { double(Int32(column)) }
    public func blob(_ column: Int) -> [UInt8]? { blob(Int32(column)) }
    public func withBlob<R>(_ column: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R { withBlob(Int32(column), body) }
}
