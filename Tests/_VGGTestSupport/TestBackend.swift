import Foundation
import VGGIndexTypes
import VGGPostgres
import VGGSQL
import VGGStore

/// The databases the index runs on, for tests that run on each: SQLite always, PostgreSQL
/// when `VGGBATCH_TEST_POSTGRES` names a server.
public enum TestBackend: String, Sendable, CaseIterable {
    case sqlite
    case postgresql

    /// The backends this run can test.
    public static var available: [TestBackend] { TestPostgres.isAvailable ? [.sqlite, .postgresql] : [.sqlite] }

    /// A fresh, empty place for an index: an SQLite path in a temporary folder, or a new
    /// PostgreSQL database. Keep it alive as long as the index is used.
    public func freshLocation() throws -> TestLocation {
        switch self {
        case .sqlite:
            let directory = TemporaryDirectory()
            return TestLocation(target: directory.path("index.sqlite"), keep: directory)
        case .postgresql:
            let database = try TestPostgres.freshDatabase()
            return TestLocation(target: database.url, keep: database)
        }
    }
}

/// Where a test index lives (`--db` takes `target`), and what keeps it there.
public struct TestLocation: @unchecked Sendable {
    public let target: String
    let keep: AnyObject

    /// The index opened for writing (created and migrated).
    public func openWriter() throws -> SQLIndex {
        if PostgresIndex.isURL(target) { return try PostgresIndex(url: target, migrate: true) }
        return try SQLiteIndex(path: target, readOnly: false)
    }

    /// The index opened for reading.
    public func openReader() throws -> SQLIndex {
        if PostgresIndex.isURL(target) { return try PostgresIndex(url: target, migrate: false) }
        return try SQLiteIndex(path: target, readOnly: true)
    }
}
