import ArgumentParser
import Foundation
import VGGPostgres

/// `--db-retry`: how long a long-running command keeps reconnecting to a PostgreSQL server
/// it lost (a restart, a failover, a network outage) before it gives up.
struct DatabaseRetry {
    /// Ten minutes: longer than a routine restart or minor-version upgrade, short enough that
    /// a fleet pointed at a server that is gone for good stops the same day.
    static let defaultSeconds = 600.0

    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    /// "10m", "90s", "1h", "45" (seconds), "0" (never retry); at most a week.
    init?(argument: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        let unit = argument.last.flatMap { units[$0] }
        let number = unit == nil ? argument : String(argument.dropLast())
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(number) else { return nil }
        seconds = value * (unit ?? 1)
        guard seconds <= 7 * 86_400 else { return nil }
    }

    /// `--db-retry`'s parser: a value it cannot read gets the forms it can.
    static func parse(_ text: String) throws -> DatabaseRetry {
        guard let retry = DatabaseRetry(argument: text) else {
            throw ValidationError("give a time up to a week as 10m, 90s, 1h or a number of seconds; 0 never retries")
        }
        return retry
    }

    /// As the option is written: "10m", "90s", "1h".
    var written: String {
        let whole = Int(seconds)
        if Double(whole) != seconds { return "\(seconds)s" }
        if whole > 0 && whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole > 0 && whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }

    static let help = ArgumentHelp(
        "PostgreSQL index: how long to keep reconnecting to a database that was lost (a restart, a network outage) before giving up: 10m, 90s, 1h; 0 never retries (default: \(DatabaseRetry(seconds: defaultSeconds).written)).",
        valueName: "time")

    /// The policy for one process, reporting each outage once on standard error.
    var policy: ReconnectPolicy? {
        guard seconds > 0 else { return nil }
        let limit = seconds
        let health = ConnectionHealth { event in
            switch event {
            case .lost(let since, let reason):
                let clock = Self.clock.string(from: since)
                printError("vggbatch: database unreachable since \(clock) (\(reason)); retrying for up to \(Self.describe(limit))")
            case .restored(let seconds):
                printError("vggbatch: reconnected after \(Self.describe(seconds))")
            }
        }
        return ReconnectPolicy(giveUpAfter: seconds, health: health)
    }

    static func describe(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds) : String(format: "%.0f min", seconds / 60)
    }

    /// The local time of day on 24 hours, as a log line has it (14:02:11).
    private static let clock: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()
}

/// `--db-retry` of the commands that write for a long time (scan, work, import).
struct DatabaseRetryOption: ParsableArguments {
    @Option(name: .customLong("db-retry"), parsing: .unconditional, help: DatabaseRetry.help, transform: DatabaseRetry.parse)
    var retry = DatabaseRetry(seconds: DatabaseRetry.defaultSeconds)

    /// The policy for one process (nil when 0 asks never to retry).
    var policy: ReconnectPolicy? { retry.policy }
}
