import VGGSQL
import CSQLite3
import VGGCommon

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VGGIndexTypes

/// One SQLite database connection: a thin wrapper over the C API.
///
/// This file and `SQLiteStatement.swift` are the only places that hold sqlite3 pointers.
/// Every SQLite result code becomes a `StoreError` through `StoreError.fromSQLite`.
///
/// Not thread-safe: it is opened with SQLITE_OPEN_NOMUTEX, so one thread uses it at a time.
/// A process writes through one read-write connection and reads through others beside it.
/// Every connection has `foreign_keys=ON` and `busy_timeout=5000` (milliseconds).
public final class SQLiteConnection: SQLDatabase {
    public var dialect: SQLDialect { .sqlite }
    public var location: String { path }

    /// The database file, as given to `init`.
    public let path: String
    /// Whether the connection was opened with SQLITE_OPEN_READONLY.
    public let isReadOnly: Bool
    private var handle: OpaquePointer?
    /// Statements `run` prepared, by SQL, reset and rebound for each use.
    private var cached: [String: SQLiteStatement] = [:]

    /// The SQL of each statement SQLite started (top level, not inside triggers) while
    /// `recordsStatements` is on; tests count transactions and statements with it.
    public private(set) var executedStatements: [String] = []

    /// Turns statement recording on (clearing `executedStatements`) or off.
    public var recordsStatements = false {
        didSet {
            if recordsStatements { executedStatements.removeAll() }
            installTrace()
        }
    }

    /// Opens `path`: read-only, or read-write (creating the file when `create` is true).
    ///
    /// The header is read before this returns, so a file that is not a database throws
    /// `.notADatabase` here rather than at the first query.
    public init(path: String, readOnly: Bool, create: Bool) throws(StoreError) {
        // SQLite would open "" as a private temporary database, which a reader never wants.
        if readOnly && path.isEmpty { throw .cannotOpen(path: path, reason: "no database path given") }
        self.path = path
        self.isReadOnly = readOnly
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        }
        do {
            try open(path, flags: flags)
        } catch let error where readOnly && Self.needsImmutable(error, path: path) {
            // A WAL-mode index whose folder cannot be written (an archive, a read-only share)
            // has no -shm file and cannot get one, so SQLite refuses to read it. With no
            // write-ahead log beside it there is nothing unsaved to miss: open it as
            // immutable, which needs neither the -shm file nor locks.
            try open(Self.immutableURI(path), flags: flags | SQLITE_OPEN_URI)
        }
    }

    /// Opens `target` (a path, or a URI with SQLITE_OPEN_URI) and checks it is usable.
    private func open(_ target: String, flags: Int32) throws(StoreError) {
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(target, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            var message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            // "unable to open database file" alone does not say whether the file is missing
            // or unreadable; the system's errno does.
            let systemError = opened.map { sqlite3_system_errno($0) } ?? 0
            if systemError != 0 { message += " (\(String(cString: strerror(systemError))))" }
            sqlite3_close_v2(opened)
            throw StoreError.fromSQLite(code: code, message: message, sql: nil, path: path)
        }
        handle = opened
        sqlite3_extended_result_codes(opened, 1)
        do throws(StoreError) {
            try execute("PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON")
            _ = try query("SELECT count(*) FROM sqlite_schema")
            // SQLite silently falls back to read-only when the file or its file system refuses
            // writes; a writer must hear that now, before it migrates or changes anything.
            if !isReadOnly && sqlite3_db_readonly(opened, "main") == 1 { throw StoreError.readOnly(path: path) }
        } catch {
            close()
            throw error
        }
    }

    /// Whether a read-only open failed only for want of a writable folder, with no unsaved
    /// write-ahead log that an immutable open would ignore.
    private static func needsImmutable(_ error: StoreError, path: String) -> Bool {
        switch error {
        case .readOnly, .cannotOpen: break
        default: return false
        }
        var info = stat()
        let hasLog = stat(path + "-wal", &info) == 0 && info.st_size > 0
        return !hasLog && access(path, R_OK) == 0
    }

    /// `file:` URI for `path` with `immutable=1` (percent-encoded, so "?", "#" and "%" in a
    /// name cannot end the path).
    private static func immutableURI(_ path: String) -> String {
        "file:" + PathBytes.percentEncoded(Array(path.utf8)) + "?mode=ro&immutable=1"
    }

    deinit { close() }

    /// Whether `close()` has not been called yet.
    public var isOpen: Bool { handle != nil }

    /// Closes the connection. Statements callers still hold stay valid to finalize;
    /// SQLite frees the connection once the last one goes (sqlite3_close_v2).
    public func close() {
        guard let handle else { return }
        cached.removeAll()
        // The trace hook points at this object, which may go before the connection does.
        sqlite3_trace_v2(handle, 0, nil, nil)
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Runs one or more `;`-separated statements that return no rows the caller needs.
    public func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(openHandle, sql, nil, nil, &errorMessage)
        defer { sqlite3_free(errorMessage) }
        guard code == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) }
            throw error(code, sql: sql, message: message)
        }
    }

    /// Compiles one statement; text after it other than whitespace and `;` is refused.
    public func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        try prepare(sql, retainsConnection: true)
    }

    private func prepare(_ sql: String, retainsConnection: Bool) throws(StoreError) -> SQLiteStatement {
        let db = openHandle
        var statement: OpaquePointer?
        let (code, rest) = sql.withCString { text -> (Int32, String) in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(db, text, -1, &statement, &tail)
            // Safe: on success `tail` points into `text`, at or before its terminating NUL.
            return (code, tail.map { String(cString: $0) } ?? "")
        }
        guard code == SQLITE_OK else { throw error(code, sql: sql) }
        guard let statement else {
            throw .sqlite(code: SQLITE_MISUSE, message: "no SQL statement to prepare", sql: sql)
        }
        guard rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) else {
            sqlite3_finalize(statement)
            throw .sqlite(code: SQLITE_MISUSE, message: "prepare takes one statement; use execute for several", sql: sql)
        }
        return SQLiteStatement(connection: self, handle: statement, sql: sql, retainsConnection: retainsConnection)
    }

    /// Prepares `sql`, binds `values` to its parameters in order, and returns every row.
    public func query(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [[SQLValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.value($0) })
        }
        return rows
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled
    /// back when it (or the commit) throws, and its error rethrown.
    ///
    /// IMMEDIATE takes the write lock up front, so two writers wait on `busy_timeout` at
    /// BEGIN instead of one failing mid-transaction when it tries to upgrade a read lock.
    public func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            rollbackIfActive()
            throw error
        }
    }

    /// Runs one statement that returns no rows, prepared once and cached; returns the rows
    /// it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int {
        let statement: SQLiteStatement
        if let found = cached[sql] {
            statement = found
        } else {
            statement = try prepare(sql, retainsConnection: false)
            cached[sql] = statement
        }
        statement.reset()
        statement.clearBindings()
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return changes
    }

    public func scanRows(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Bool) throws(StoreError) {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {
            if !(try body(statement)) { return }
        }
    }

    /// The rowid of the latest successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(openHandle) }

    /// Rows changed by the latest INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes64(openHandle)) }

    /// Whether a transaction is open (SQLite is not in autocommit mode).
    public var isInTransaction: Bool { sqlite3_get_autocommit(openHandle) == 0 }

    // MARK: - Internals shared with SQLiteStatement

    /// The error for a failed call, with SQLite's message for it unless one is given.
    func error(_ code: Int32, sql: String?, message: String? = nil) -> StoreError {
        let text = message ?? handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return StoreError.fromSQLite(code: code, message: text, sql: sql, path: path)
    }

    private var openHandle: OpaquePointer {
        guard let handle else { preconditionFailure("SQLiteConnection used after close(): \(path)") }
        return handle
    }

    /// Some failures (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) roll the transaction back
    /// themselves, and a second ROLLBACK would fail; only roll back one still open.
    private func rollbackIfActive() {
        if isInTransaction { try? execute("ROLLBACK") }
    }

    private func installTrace() {
        guard let handle else { return }
        guard recordsStatements else {
            sqlite3_trace_v2(handle, 0, nil, nil)
            return
        }
        // Safe: the context is this object, unretained. close(), which deinit calls, removes
        // the hook before the object goes, and statements keep their connection alive.
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_trace_v2(handle, UInt32(SQLITE_TRACE_STMT), { _, context, _, text in
            guard let context, let text else { return 0 }
            // Safe: for SQLITE_TRACE_STMT the last argument is the statement's NUL-terminated SQL.
            let sql = String(cString: text.assumingMemoryBound(to: CChar.self))
            // Statements run by triggers arrive as "-- " comments; only top-level ones count.
            if !sql.hasPrefix("--") {
                Unmanaged<SQLiteConnection>.fromOpaque(context).takeUnretainedValue().executedStatements.append(sql)
            }
            return 0
        }, context)
    }
}
