import Foundation
import VGGIndexTypes
import VGGPostgres

/// The PostgreSQL server the tests may use: `VGGBATCH_TEST_POSTGRES=postgresql://USER@HOST:PORT/DB`
/// (a role that may create databases). Without it the PostgreSQL suites are skipped, so
/// `swift test` passes on a machine without a server; `.ci/run` starts one.
public enum TestPostgres {
    public static let variable = "VGGBATCH_TEST_POSTGRES"

    /// The server URL, or nil when the variable is unset.
    public static var serverURL: String? {
        let value = ProcessInfo.processInfo.environment[variable] ?? ""
        return value.isEmpty ? nil : value
    }

    public static var isAvailable: Bool { serverURL != nil }

    /// Why the PostgreSQL suites are skipped, for their `.enabled(if:)` trait.
    public static let skipReason = "set VGGBATCH_TEST_POSTGRES=postgresql://USER@HOST:PORT/DB to run the PostgreSQL tests"

    /// A fresh empty database on the server, dropped when released.
    public final class Database: @unchecked Sendable {
        public let url: String
        let name: String

        init(url: String, name: String) {
            self.url = url
            self.name = name
        }

        deinit {
            guard let server = TestPostgres.serverURL, let connection = try? PostgresConnection(url: server) else { return }
            try? connection.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            connection.close()
        }
    }

    /// Creates a database with a fresh name on the server.
    public static func freshDatabase() throws -> Database {
        guard let server = serverURL else { throw StoreError.cannotOpen(path: variable, reason: "not set") }
        let name = "vggbatch_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let connection = try PostgresConnection(url: server)
        defer { connection.close() }
        try connection.execute("CREATE DATABASE \(name)")
        return Database(url: url(server, database: String(name)), name: String(name))
    }

    /// `server` with its database name replaced.
    static func url(_ server: String, database: String) -> String {
        guard let scheme = server.range(of: "://") else { return server }
        let rest = server[scheme.upperBound...]
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        return String(server[..<scheme.upperBound]) + authority + "/" + database + query
    }
}
