import VGGSQL
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import _VGGTestSupport

/// The C API wrapper against real database files, each test in its own temporary directory.
@Suite("SQLite connection")
struct SQLiteConnectionTests {
    // Swift Testing makes a new suite value per test, so each test gets its own directory.
    let directory = TemporaryDirectory()
    var path: String { directory.path("db.sqlite") }

    private func open(readOnly: Bool = false) throws -> SQLiteConnection {
        try SQLiteConnection(path: path, readOnly: readOnly, create: !readOnly)
    }

    // MARK: - Values

    @Test func bindsAndReadsEveryType() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE value (i INTEGER, r REAL, t TEXT, b BLOB, n ANY) STRICT")
        // NUL bytes, a lone continuation byte and an invalid lead byte: not text, kept exactly.
        let bytes: [UInt8] = [0x00, 0xFF, 0xFE, 0x00, 0x80, 0xC3, 0x28, 0x00]
        let text = "Größe \u{0} 📷"
        let insert = try connection.prepare("INSERT INTO value (i, r, t, b, n) VALUES (?, ?, ?, ?, ?)")
        try insert.bind(1, Int64.min)
        try insert.bind(2, -0.125)
        try insert.bind(3, text)
        try insert.bind(4, bytes)
        try insert.bindNull(5)
        #expect(try insert.step() == false)
        #expect(connection.lastInsertRowID == 1)
        #expect(connection.changes == 1)

        let select = try connection.prepare("SELECT i, r, t, b, n FROM value")
        #expect(try select.step())
        #expect(select.columnCount == 5)
        #expect(select.int64(0) == Int64.min)
        #expect(select.double(1) == -0.125)
        #expect(select.text(2) == text)
        #expect(select.blob(3) == bytes)
        #expect(select.isNull(4))
        #expect(select.text(4) == nil)
        #expect(select.blob(4) == nil)
        #expect(!select.isNull(3))
        #expect(select.value(0) == .integer(Int64.min))
        #expect(select.value(1) == .real(-0.125))
        #expect(select.value(2) == .text(text))
        #expect(select.value(3) == .blob(bytes))
        #expect(select.value(4) == .null)
        #expect(try select.step() == false)
    }

    @Test func emptyTextAndEmptyBlobAreNotNull() throws {
        let connection = try open()
        let rows = try connection.query(
            "SELECT ?, ?, typeof(?1), typeof(?2), length(?2)", [.text(""), .blob([])])
        #expect(rows == [[.text(""), .blob([]), .text("text"), .text("blob"), .integer(0)]])
    }

    @Test func queryBindsValuesInOrder() throws {
        let connection = try open()
        let values: [SQLValue] = [.null, .integer(Int64.max), .real(1.5), .text("a'b"), .blob([0, 1, 2])]
        #expect(try connection.query("SELECT ?, ?, ?, ?, ?", values) == [values])

        let statement = try connection.prepare("SELECT ? + ?")
        try statement.bind(.integer(40), .integer(2))
        #expect(try statement.step())
        #expect(statement.int64(0) == 42)
        // Reset keeps the bindings; the statement runs again from the start.
        statement.reset()
        #expect(try statement.step())
        #expect(statement.int64(0) == 42)
        statement.reset()
        statement.clearBindings()
        #expect(try statement.step())
        #expect(statement.isNull(0))
    }

    @Test func everyConnectionEnforcesForeignKeysAndWaitsWhenBusy() throws {
        let connection = try open()
        #expect(try integer(connection, "PRAGMA foreign_keys") == 1)
        #expect(try integer(connection, "PRAGMA busy_timeout") == 5000)
        let reader = try open(readOnly: true)
        #expect(try integer(reader, "PRAGMA foreign_keys") == 1)
        #expect(try integer(reader, "PRAGMA busy_timeout") == 5000)
    }

    @Test func executeRunsSeveralStatementsButPrepareTakesOne() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);")
        #expect(try integer(connection, "SELECT sum(x) FROM t") == 3)
        // A trailing semicolon and whitespace are fine; a second statement is not.
        _ = try connection.prepare("SELECT 1;  \n")
        let error = #expect(throws: StoreError.self) {
            _ = try connection.prepare("SELECT 1; SELECT 2")
        }
        guard case .sqlite(let code, let message, let sql)? = error else {
            Issue.record("expected .sqlite, got \(String(describing: error))")
            return
        }
        #expect(code == 21)  // SQLITE_MISUSE
        #expect(message.contains("one statement"))
        #expect(sql == "SELECT 1; SELECT 2")
    }

    // MARK: - Transactions

    @Test func transactionCommitsAndReturnsTheBodysResult() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (x INTEGER)")
        let id = try connection.writeTransaction { () throws(StoreError) in
            try connection.execute("INSERT INTO t VALUES (7)")
            #expect(connection.isInTransaction)
            return connection.lastInsertRowID
        }
        #expect(id == 1)
        #expect(!connection.isInTransaction)
        #expect(try integer(connection, "SELECT count(*) FROM t") == 1)
    }

    @Test func transactionRollsBackAndRethrowsTheBodysError() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (x INTEGER)")
        let refused = StoreError.corrupt(path: "t", reason: "the body failed")
        #expect(throws: refused) {
            try connection.writeTransaction { () throws(StoreError) in
                try connection.execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
                throw refused
            }
        }
        #expect(!connection.isInTransaction)
        #expect(try integer(connection, "SELECT count(*) FROM t") == 0)
    }

    @Test func tracedStatementsShowOneTransactionPerBatch() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (x INTEGER)")
        connection.recordsStatements = true
        let insert = try connection.prepare("INSERT INTO t VALUES (?)")
        try connection.writeTransaction { () throws(StoreError) in
            for x in Int64(1)...3 {
                try insert.bind(1, x)
                _ = try insert.step()
                insert.reset()
            }
        }
        #expect(connection.executedStatements == [
            "BEGIN IMMEDIATE",
            "INSERT INTO t VALUES (?)", "INSERT INTO t VALUES (?)", "INSERT INTO t VALUES (?)",
            "COMMIT",
        ])
        connection.recordsStatements = false
        _ = try connection.query("SELECT 1")
        #expect(connection.executedStatements.count == 5)
    }

    // MARK: - Failures

    @Test func constraintViolationNamesTheStatement() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (x INTEGER UNIQUE)")
        let sql = "INSERT INTO t (x) VALUES (?)"
        let insert = try connection.prepare(sql)
        try insert.bind(1, Int64(1))
        _ = try insert.step()
        insert.reset()
        let error = #expect(throws: StoreError.self) { _ = try insert.step() }
        // SQLITE_CONSTRAINT_UNIQUE: the extended code, not plain SQLITE_CONSTRAINT (19).
        #expect(error == .sqlite(code: 2067, message: "UNIQUE constraint failed: t.x", sql: sql))
        #expect(error?.description
            == "SQLite error 2067: UNIQUE constraint failed: t.x - while executing `INSERT INTO t (x) VALUES (?)`")
        // The failed statement was reset, so it can run again with other values.
        try insert.bind(1, Int64(2))
        #expect(try insert.step() == false)
        #expect(try integer(connection, "SELECT count(*) FROM t") == 2)
    }

    @Test func executeReportsTheFailingSQL() throws {
        let connection = try open()
        let sql = "SELECT *\n  FROM no_such_table"
        let error = #expect(throws: StoreError.self) { try connection.execute(sql) }
        #expect(error == .sqlite(code: 1, message: "no such table: no_such_table", sql: sql))
        #expect(error?.reason == "SQLite error 1: no such table: no_such_table - while executing `SELECT * FROM no_such_table`")
    }

    @Test func aTextFileIsNotADatabase() throws {
        try String(repeating: "these are not the bytes of an SQLite database\n", count: 40)
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.notADatabase(path: path)) {
            _ = try SQLiteConnection(path: path, readOnly: false, create: true)
        }
        #expect(throws: StoreError.notADatabase(path: path)) {
            _ = try SQLiteConnection(path: path, readOnly: true, create: false)
        }
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        let writer = try open()
        try writer.execute("CREATE TABLE t (x INTEGER)")
        writer.close()
        let reader = try open(readOnly: true)
        #expect(reader.isReadOnly)
        #expect(throws: StoreError.readOnly(path: path)) {
            try reader.execute("INSERT INTO t VALUES (1)")
        }
        #expect(try integer(reader, "SELECT count(*) FROM t") == 0)
    }

    @Test func missingFileCannotBeOpenedReadOnly() throws {
        let error = #expect(throws: StoreError.self) { _ = try open(readOnly: true) }
        guard case .cannotOpen(let reportedPath, let reason)? = error else {
            Issue.record("expected .cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(reportedPath == path)
        #expect(reason.contains("No such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: StoreError.cannotOpen(path: "", reason: "no database path given")) {
            _ = try SQLiteConnection(path: "", readOnly: true, create: false)
        }
    }

    @Test func missingFileIsNotCreatedWithoutCreate() throws {
        #expect(throws: StoreError.self) {
            _ = try SQLiteConnection(path: path, readOnly: false, create: false)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func busyBeyondTheTimeoutIsLocked() throws {
        let first = try open()
        let second = try open()
        try first.execute("BEGIN IMMEDIATE")
        // Shorter than the 5 s default so the test does not wait for it.
        try second.execute("PRAGMA busy_timeout=20")
        let error = #expect(throws: StoreError.self) { try second.execute("BEGIN IMMEDIATE") }
        guard case .locked(let lockedPath, let reason)? = error else {
            Issue.record("expected .locked, got \(String(describing: error))")
            return
        }
        #expect(lockedPath == path)
        #expect(reason.contains("database is locked"))
        try first.execute("COMMIT")
        try second.execute("BEGIN IMMEDIATE; COMMIT")
    }

    @Test func fullDatabaseIsDiskFull() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (b BLOB)")
        // A page limit gives SQLITE_FULL without filling a real disk.
        try connection.execute("PRAGMA max_page_count=4")
        #expect(throws: StoreError.diskFull(path: path)) {
            _ = try connection.query("INSERT INTO t VALUES (?)", [.blob([UInt8](repeating: 7, count: 100_000))])
        }
        #expect(!connection.isInTransaction)
    }

    @Test func damagedPagesAreCorrupt() throws {
        let connection = try open()
        try connection.execute("CREATE TABLE t (x TEXT)")
        try connection.writeTransaction { () throws(StoreError) in
            for _ in 0..<200 { try connection.execute("INSERT INTO t VALUES (hex(randomblob(100)))") }
        }
        connection.close()
        // Overwrite page 2, the table's first page, leaving the header and schema intact.
        var bytes = try #require(fileBytes(path))
        let pageSize = 4096
        try #require(bytes.count > 3 * pageSize)
        bytes.replaceSubrange(pageSize..<(2 * pageSize), with: [UInt8](repeating: 0xA5, count: pageSize))
        try bytes.write(to: URL(fileURLWithPath: path))

        let reopened = try open(readOnly: true)
        let error = #expect(throws: StoreError.self) { _ = try reopened.query("SELECT count(*), max(x) FROM t") }
        guard case .corrupt(let corruptPath, let reason)? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(corruptPath == path)
        #expect(reason.contains("malformed"))
    }

    @Test func closeIsIdempotentAndStatementsMayOutliveIt() throws {
        let connection = try open()
        var statement: SQLiteStatement? = try connection.prepare("SELECT 1")
        connection.close()
        connection.close()
        #expect(!connection.isOpen)
        // sqlite3_close_v2 keeps the connection until its last statement is finalized here.
        statement = nil
        #expect(statement == nil)
    }
}
