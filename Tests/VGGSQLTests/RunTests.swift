import Foundation
import Testing
import VGGIndexTypes
import VGGSQL
import _VGGTestSupport

/// A database whose first write transaction commits and then loses the reply, so that the
/// transaction runs again, as `PostgresConnection.writeTransaction` does after a connection
/// broke at COMMIT.
final class LostCommitReply: SQLDatabase {
    let inner: any SQLDatabase
    var lost = false

    init(_ inner: any SQLDatabase) { self.inner = inner }

    var dialect: SQLDialect { inner.dialect }
    var location: String { inner.location }
    func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [[SQLValue]] { try inner.query(sql, values) }
    func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int { try inner.run(sql, values) }
    func scanRows(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Bool) throws(StoreError) {
        try inner.scanRows(sql, values, body)
    }
    func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        if !lost {
            lost = true
            _ = try inner.writeTransaction(body)
        }
        return try inner.writeTransaction(body)
    }
    func close() { inner.close() }
}

@Suite("Runs")
struct RunTests {
    /// A run whose COMMIT reply was lost is found when the transaction runs again: one run,
    /// still running, not an interrupted one and a second.
    @Test(arguments: TestBackend.available)
    func aLostCommitReplyDoesNotBeginASecondRun(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let earlier = try f.index.runs.begin(options: "before", modelID: f.modelID)
        let flaky = SQLIndex(database: LostCommitReply(f.index.database), schema: .current)
        let id = try flaky.runs.begin(options: "roots=[/a]", modelID: f.modelID)
        let rows = try f.index.database.query("SELECT id, status FROM scan_run ORDER BY id", [])
        #expect(rows == [[.integer(earlier), .text("interrupted")], [.integer(id), .text("running")]], "\(rows)")
        let options = try #require(try f.index.database.query("SELECT options FROM scan_run WHERE id = ?", [.integer(id)]).first?.first?.text)
        #expect(options.hasPrefix("roots=[/a] run=") && options.count == "roots=[/a] run=".count + 16)
    }

    /// The vanished files a run held back are read back with it, on both databases; a later
    /// run that held none back clears what `last()` says.
    @Test(arguments: TestBackend.available)
    func heldBackFilesAreRememberedWithTheRun(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        var counts = RunCounts()
        counts.heldBack = 164
        let id = try f.index.runs.begin(options: "roots=[/mnt/photos]", modelID: f.modelID)
        try f.index.runs.finish(id, status: .finished, counts: counts)
        #expect(try f.index.runs.last()?.heldBack == 164)
        let next = try f.index.runs.begin(options: "roots=[/mnt/photos]", modelID: f.modelID)
        try f.index.runs.finish(next, status: .finished, counts: RunCounts())
        #expect(try f.index.runs.last()?.heldBack == 0)
    }

    /// A status the schema does not have is named, not taken for a failed run.
    @Test func anUnknownRunStatusIsNamed() throws {
        final class OddStatus: SQLDatabase {
            var dialect: SQLDialect { .sqlite }
            var location: String { "odd.sqlite" }
            func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [[SQLValue]] {
                [[.text("2026-12-07T00:00:00.000Z"), .null, .text("paused"), .text(""), .integer(0)]]
            }
            func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int { 0 }
            func scanRows(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Bool) throws(StoreError) {}
            func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R { try body() }
            func close() {}
        }
        #expect(throws: StoreError.corrupt(path: "odd.sqlite", reason: "a scan run's status is \"paused\", not one of running, finished, interrupted, failed")) {
            try SQLIndex(database: OddStatus(), schema: .current).runs.last()
        }
    }
}
