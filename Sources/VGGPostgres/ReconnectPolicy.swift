import Foundation
import VGGIndexTypes

/// What a long-running command does when its PostgreSQL connections are lost (a server
/// restart, a failover, a network outage, `max_connections` reached): reconnect with capped
/// exponential backoff and jitter for at most `giveUpAfter` seconds, then fail with one line.
/// Statements that failed because the connection dropped are run again; a transaction is
/// run again as a whole, never half (the server rolled the broken one back).
public struct ReconnectPolicy: Sendable {
    /// How long an outage may last before the command gives up.
    public var giveUpAfter: Double
    /// The first wait, doubled after each failed attempt up to `maximumDelay`; each wait is
    /// drawn between half and all of that (jitter, so a fleet does not reconnect in step).
    public var firstDelay: Double
    public var maximumDelay: Double
    /// Outages as the whole process sees them: one `lost` when the first connection drops,
    /// one `restored` when the last is back.
    public let health: ConnectionHealth

    public init(giveUpAfter: Double, firstDelay: Double = 0.25, maximumDelay: Double = 8, health: ConnectionHealth) {
        self.giveUpAfter = giveUpAfter
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.health = health
    }

    /// The wait before attempt `attempt` (0-based) with `jitter` in 0...1.
    public func delay(attempt: Int, jitter: Double) -> Double {
        let capped = min(maximumDelay, firstDelay * pow(2, Double(min(attempt, 30))))
        return capped * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// Whether `error` means the connection is gone or the server cannot take it now, and
    /// trying again later may work: a broken connection, a server shutting down or starting
    /// (57P01–57P03), too many connections (53300). Not: a refused password, a database
    /// that does not exist, a full disk, a newer schema, a bad statement.
    public static func isTransient(_ error: StoreError) -> Bool {
        switch error {
        case .cannotOpen(_, let reason):
            let permanent = [
                "authentication failed", "does not exist", "no pg_hba.conf entry", "newer", "no vggbatch index", "certificate verify failed",
            ]
            return !permanent.contains { reason.contains($0) }
        case .server(let code, _, _): return code == "53300" || code.hasPrefix("08") || code.hasPrefix("57P")
        default: return false
        }
    }
}

/// The state of a process's database connections, shared by all of them, so that an outage
/// is reported once however many connections it breaks.
public final class ConnectionHealth: @unchecked Sendable {
    public enum Event: Sendable {
        /// The first connection was lost at `since`.
        case lost(since: Date, reason: String)
        /// Every connection is back, `seconds` after the outage began.
        case restored(seconds: Double)
    }

    private let lock = NSLock()
    private var down = Set<ObjectIdentifier>()
    private var since: Date?
    /// When the last outage began: a connection that has not worked since then was lost in
    /// that outage (each connection finds out only when it is next used), not in a new one.
    private var lastOutageBegan: Date?
    private let onEvent: @Sendable (Event) -> Void

    public init(onEvent: @escaping @Sendable (Event) -> Void) {
        self.onEvent = onEvent
    }

    /// Whether a connection that last worked at `workedAt` has not worked since the last
    /// outage began (it was broken by it, and finds out only now it is used again).
    func isOlderThanLastOutage(_ workedAt: Date) -> Bool {
        lock.withLock { lastOutageBegan.map { workedAt < $0 } ?? false }
    }

    /// `connection` failed (and was not merely broken by an outage that is over): an outage
    /// begins, unless one is already going on.
    func lost(_ connection: AnyObject, reason: String) {
        let event: Event? = lock.withLock {
            let first = down.isEmpty
            down.insert(ObjectIdentifier(connection))
            guard first else { return nil }
            let now = Date()
            since = now
            lastOutageBegan = now
            return .lost(since: now, reason: reason)
        }
        if let event { onEvent(event) }
    }

    func restored(_ connection: AnyObject) {
        let event: Event? = lock.withLock {
            guard down.remove(ObjectIdentifier(connection)) != nil, down.isEmpty else { return nil }
            guard let since else { return nil }
            self.since = nil
            return .restored(seconds: Date().timeIntervalSince(since))
        }
        if let event { onEvent(event) }
    }
}
