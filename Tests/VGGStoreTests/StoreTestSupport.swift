import VGGSQL
import Foundation
@testable import VGGStore
import VGGIndexTypes

/// Names of the tables in the connection's database, SQLite's own excluded.
func tableNames(_ connection: SQLiteConnection) throws -> Set<String> {
    let rows = try connection.query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return Set(rows.compactMap { row in
        if case .text(let name) = row.first { name } else { nil }
    })
}

/// The single integer a query returns, such as a count.
func integer(_ connection: SQLiteConnection, _ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
    guard case .integer(let value) = try connection.query(sql, values).first?.first else { return nil }
    return value
}

/// The file's bytes, or nil when it does not exist.
func fileBytes(_ path: String) -> Data? {
    FileManager.default.contents(atPath: path)
}
