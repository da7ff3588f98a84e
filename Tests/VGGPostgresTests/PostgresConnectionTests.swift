import Foundation
import Testing
import VGGIndexTypes
import VGGSQL
@testable import VGGPostgres
import _VGGTestSupport

/// What needs no server: placeholders and what messages show of a URL.
@Suite("PostgreSQL statements and URLs")
struct PostgresTextTests {
    @Test func placeholdersAreNumberedOutsideQuotes() {
        #expect(PostgresConnection.numbered("SELECT ? , '?' , \"a?\" , ?") == "SELECT $1 , '?' , \"a?\" , $2")
        #expect(PostgresConnection.numbered("INSERT INTO t VALUES (?, ?, 'it''s ?', ?)") == "INSERT INTO t VALUES ($1, $2, 'it''s ?', $3)")
    }

    @Test func passwordsNeverReachMessages() {
        #expect(PostgresConnection.redacted("postgresql://ann:secret@db:5432/photos") == "postgresql://ann:***@db:5432/photos")
        #expect(PostgresConnection.redacted("postgres://ann@db/photos") == "postgres://ann@db/photos")
        #expect(PostgresConnection.redacted("postgresql://db/photos?user=ann") == "postgresql://db/photos?user=ann")
        #expect(
            PostgresConnection.redacted("postgresql://db:5432/photos?user=ann&password=s3cret&sslmode=require")
                == "postgresql://db:5432/photos?user=ann&password=***&sslmode=require")
        #expect(PostgresConnection.redacted("postgresql://db/photos?password=s3cret") == "postgresql://db/photos?password=***")
        #expect(PostgresConnection.redacted("host=db user=ann password=s3cret dbname=photos") == "host=db user=ann password=*** dbname=photos")
        #expect(PostgresConnection.redacted("postgresql://db/photos?oldpassword=x") == "postgresql://db/photos?oldpassword=x")
        #expect(PostgresConnection.redacted("postgresql://db/photos?sslpassword=k3y&user=a") == "postgresql://db/photos?sslpassword=***&user=a")
        #expect(PostgresConnection.redacted("host=db password = 'a b' user=ann") == "host=db password=*** user=ann")
        #expect(PostgresConnection.redacted("postgresql://db:5432/photos?user=vgg@corp") == "postgresql://db:5432/photos?user=vgg@corp")
        #expect(PostgresConnection.cause(.cannotOpen(path: "x", reason: "connection to server at \"db\", port 5432 failed: FATAL:  password authentication failed for user \"vgg\"")) == "password authentication failed for user \"vgg\"")
    }

    @Test func statesBecomeCasesAPersonCanActOn() {
        let at = "postgresql://db/x"
        #expect(PostgresConnection.error(state: "53100", message: "no space", sql: nil, location: at) == .diskFull(path: at))
        #expect(PostgresConnection.error(state: "25006", message: "read-only", sql: nil, location: at) == .readOnly(path: at))
        #expect(PostgresConnection.error(state: "08006", message: "gone", sql: nil, location: at) == .cannotOpen(path: at, reason: "gone"))
        #expect(PostgresConnection.error(state: "", message: "gone", sql: nil, location: at) == .cannotOpen(path: at, reason: "gone"))
        #expect(PostgresConnection.error(state: "23505", message: "dup", sql: "X", location: at) == .server(code: "23505", message: "dup", sql: "X"))
    }

    @Test func aServerThatIsNotThereIsOneLine() {
        #expect {
            _ = try PostgresConnection(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        } throws: { error in
            guard case .cannotOpen(let path, let reason) = error as? StoreError else { return false }
            return path == "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2" && !reason.contains("\n")
        }
    }
}

/// The connection against a real server (VGGBATCH_TEST_POSTGRES).
@Suite("PostgreSQL connection", .enabled(if: TestPostgres.isAvailable, "set VGGBATCH_TEST_POSTGRES to run the PostgreSQL tests"))
struct PostgresConnectionTests {
    let database: TestPostgres.Database
    let connection: PostgresConnection

    init() throws {
        database = try TestPostgres.freshDatabase()
        connection = try PostgresConnection(url: database.url)
    }

    @Test func everyValueComesBackAsItWent() throws {
        try connection.execute("CREATE TABLE v (i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA, n BIGINT, flag BOOLEAN)")
        let values: [[SQLValue]] = [
            [.integer(Int64.min), .real(0.1), .text("é ✓ 'quoted' ?"), .blob([0, 0xFF, 0x80, 0, 0x2F]), .null, .text("true")],
            [.integer(Int64.max), .real(-1e-300), .text(""), .blob([]), .integer(0), .text("false")],
        ]
        for row in values { try connection.run("INSERT INTO v VALUES (?, ?, ?, ?, ?, ?)", row) }
        let back = try connection.query("SELECT i, r, t, b, n, flag FROM v ORDER BY i", [])
        #expect(back == [
            [.integer(Int64.min), .real(0.1), .text("é ✓ 'quoted' ?"), .blob([0, 0xFF, 0x80, 0, 0x2F]), .null, .integer(1)],
            [.integer(Int64.max), .real(-1e-300), .text(""), .blob([]), .integer(0), .integer(0)],
        ])
        #expect(try connection.run("UPDATE v SET n = 1", []) == 2)
    }

    @Test func rowsStreamInPagesAndOtherStatementsRunBetween() throws {
        try connection.execute("CREATE TABLE s (i BIGINT)")
        try connection.execute("INSERT INTO s SELECT generate_series(1, \(PostgresConnection.pageRows * 3 + 7))")
        var seen = [Int64]()
        try connection.forEachRow("SELECT i FROM s WHERE i > ? ORDER BY i", [.integer(0)]) { (row: SQLRow) throws(StoreError) in
            seen.append(row.int64(0))
            // A query between rows, as `export` reads each row's predictions.
            if seen.count == 3 { _ = try connection.query("SELECT COUNT(*) FROM s", []) }
        }
        #expect(seen == Array(1...Int64(PostgresConnection.pageRows * 3 + 7)))
        var first = [Int64]()
        try connection.scanRows("SELECT i FROM s ORDER BY i", []) { (row: SQLRow) throws(StoreError) -> Bool in
            first.append(row.int64(0))
            return first.count < 5
        }
        #expect(first == [1, 2, 3, 4, 5])
    }

    @Test func aFailedTransactionLeavesNothingAndTheConnectionWorks() throws {
        try connection.execute("CREATE TABLE u (k BIGINT PRIMARY KEY)")
        #expect(throws: StoreError.self) {
            try connection.writeTransaction { () throws(StoreError) in
                try connection.run("INSERT INTO u VALUES (?)", [.integer(1)])
                try connection.run("INSERT INTO u VALUES (?)", [.integer(1)])
            }
        }
        #expect(try connection.query("SELECT COUNT(*) FROM u", []) == [[.integer(0)]])
        let error = #expect(throws: StoreError.self) { try connection.run("INSERT INTO u VALUES (?), (?)", [.integer(2), .integer(2)]) }
        guard case .server(let code, _, _)? = error else { Issue.record("not a server error: \(String(describing: error))"); return }
        #expect(code == "23505")
    }
}
