import Foundation
import Testing
import VGGIndexTypes
import VGGSQL
@testable import VGGPostgres
import _VGGTestSupport

/// What needs no server: the backoff, and which errors are worth waiting out.
@Suite("Reconnection policy")
struct ReconnectPolicyTests {
    @Test func theBackoffDoublesUpToItsCapWithJitter() {
        let policy = ReconnectPolicy(giveUpAfter: 60, firstDelay: 0.25, maximumDelay: 8, health: ConnectionHealth { _ in })
        #expect((0..<8).map { policy.delay(attempt: $0, jitter: 1) } == [0.25, 0.5, 1, 2, 4, 8, 8, 8])
        #expect(policy.delay(attempt: 3, jitter: 0) == 1 && policy.delay(attempt: 100, jitter: 0.5) == 6)
    }

    @Test func onlyTransientFaultsAreWaitedOut() {
        let at = "postgresql://db/x"
        #expect(ReconnectPolicy.isTransient(.cannotOpen(path: at, reason: "server closed the connection unexpectedly")))
        #expect(ReconnectPolicy.isTransient(.server(code: "53300", message: "too many connections", sql: nil)))
        #expect(ReconnectPolicy.isTransient(.server(code: "57P01", message: "terminating connection due to administrator command", sql: nil)))
        #expect(!ReconnectPolicy.isTransient(.cannotOpen(path: at, reason: "FATAL:  password authentication failed for user \"vgg\"")))
        #expect(!ReconnectPolicy.isTransient(.cannotOpen(path: at, reason: "FATAL:  database \"photos\" does not exist")))
        #expect(!ReconnectPolicy.isTransient(.diskFull(path: at)))
        #expect(!ReconnectPolicy.isTransient(.server(code: "23505", message: "duplicate", sql: "X")))
    }

    @Test func anOutageIsReportedOnceHoweverManyConnectionsItBreaks() {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var lines = [String]()
        }
        let log = Log()
        let health = ConnectionHealth { event in
            log.lock.withLock {
                switch event {
                case .lost: log.lines.append("lost")
                case .restored: log.lines.append("restored")
                }
            }
        }
        let (a, b) = (NSObject(), NSObject())
        health.lost(a, reason: "x")
        health.lost(b, reason: "x")
        health.restored(a)
        health.restored(b)
        health.restored(b)
        #expect(log.lines == ["lost", "restored"])
        // A connection that has not worked since the outage began was broken by it; one that
        // worked after it meets a second outage, reported however soon after the first.
        #expect(health.isOlderThanLastOutage(Date(timeIntervalSinceNow: -60)))
        #expect(!health.isOlderThanLastOutage(Date()))
        health.lost(a, reason: "x")
        health.restored(a)
        #expect(log.lines == ["lost", "restored", "lost", "restored"])
    }
}

/// A connection whose server session is killed (pg_terminate_backend, as a restart or a
/// network failure ends it) comes back by itself: statements run again, a transaction runs
/// again as a whole, once.
@Suite("PostgreSQL reconnection", .enabled(if: TestPostgres.isAvailable, "set VGGBATCH_TEST_POSTGRES to run the PostgreSQL tests"))
struct ReconnectTests {
    let database: TestPostgres.Database
    let connection: PostgresConnection
    let killer: PostgresConnection
    let events = Events()

    final class Events: @unchecked Sendable {
        let lock = NSLock()
        var lines = [String]()
        func append(_ line: String) { lock.withLock { lines.append(line) } }
    }

    init() throws {
        database = try TestPostgres.freshDatabase()
        connection = try PostgresConnection(url: database.url)
        killer = try PostgresConnection(url: database.url)
        let events = events
        connection.reconnect = ReconnectPolicy(giveUpAfter: 20, firstDelay: 0.05, health: ConnectionHealth { event in
            switch event {
            case .lost(_, let reason): events.append("lost: \(reason)")
            case .restored: events.append("restored")
            }
        })
        try connection.execute("SET search_path = public")
    }

    func killSession() throws {
        let pid = try #require(try connection.query("SELECT pg_backend_pid()", []).first?.first?.integer)
        _ = try killer.query("SELECT pg_terminate_backend(?)", [.integer(pid)])
        // The kill is asynchronous on the server: wait until the session is gone.
        for _ in 0..<100 {
            let alive = try killer.query("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?", [.integer(pid)]).first?.first?.integer
            if alive == 0 { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    @Test func aStatementAfterTheSessionWasKilledRunsOnANewOne() throws {
        try connection.execute("CREATE TABLE r (k BIGINT)")
        try killSession()
        try connection.run("INSERT INTO r VALUES (?)", [.integer(1)])
        #expect(try connection.query("SELECT COUNT(*) FROM r", []) == [[.integer(1)]])
        #expect(events.lines.count == 2 && events.lines.first?.hasPrefix("lost: ") == true && events.lines.last == "restored", "\(events.lines)")
        // The session's own settings came back with it.
        #expect(try connection.query("SELECT current_setting('application_name')", []) == [[.text("vggbatch")]])
    }

    @Test func aTransactionBrokenHalfWayRunsAgainAsAWhole() throws {
        try connection.execute("CREATE TABLE t (k BIGINT PRIMARY KEY)")
        var runs = 0
        try connection.writeTransaction { () throws(StoreError) in
            runs += 1
            try connection.run("INSERT INTO t VALUES (?)", [.integer(1)])
            if runs == 1 {
                do { try killSession() } catch { Issue.record("\(error)") }
            }
            try connection.run("INSERT INTO t VALUES (?)", [.integer(2)])
        }
        #expect(runs == 2)
        #expect(try killer.query("SELECT k FROM t ORDER BY k", []) == [[.integer(1)], [.integer(2)]])
    }

    /// The scan's lock, as a scan holds it while a restart ends its session.
    static let key: (Int32, Int32) = (0x7465_7374, 9)

    func lockIsHeld(by session: PostgresConnection) throws -> Bool {
        let pid = try session.query("SELECT pg_backend_pid()", []).first?.first
        let holders = try killer.query(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ?",
            [.integer(Int64(Self.key.0)), .integer(Int64(Self.key.1))])
        return holders.count == 1 && holders.first?.first == pid
    }

    @Test func aSessionLockIsTakenAgainOnTheNewConnection() throws {
        try connection.takeSessionLock(Self.key, holder: "another test")
        try killSession()
        _ = try connection.query("SELECT 1", [])
        #expect(try lockIsHeld(by: connection))
    }

    @Test func aLockTakenByAnotherSessionMeanwhileStopsTheReconnection() throws {
        try connection.takeSessionLock(Self.key, holder: "another test")
        try killSession()
        let other = try PostgresConnection(url: database.url)
        try other.takeSessionLock(Self.key, holder: "the first test")
        #expect {
            _ = try connection.query("SELECT 1", [])
        } throws: { error in
            "\(error)".contains("another test took it while this connection was lost")
        }
        #expect(try lockIsHeld(by: other))
    }

    /// A network outage ends the connection on this side; the server notices only when its
    /// TCP keepalive runs out, and until then the old session still holds the lock. Played
    /// here by a second connection standing for the old session.
    @Test func theLockHeldByThisProcesssOldSessionIsTakenBack() throws {
        let orphan = try PostgresConnection(url: database.url)
        try orphan.takeSessionLock(Self.key, holder: "another test")
        try connection.takeSessionLock((Self.key.0, Self.key.1 + 1), holder: "another test")
        connection.sessionLock = (Self.key, "another test", try #require(orphan.sessionLock).session)
        try killSession()
        _ = try connection.query("SELECT 1", [])
        #expect(try lockIsHeld(by: connection))
        #expect(!orphan.isConnected || (try? orphan.query("SELECT 1", [])) == nil)
    }

    @Test func withoutAPolicyTheLossIsOneError() throws {
        connection.reconnect = nil
        try killSession()
        #expect(throws: StoreError.self) { _ = try connection.query("SELECT 1", []) }
    }
}
