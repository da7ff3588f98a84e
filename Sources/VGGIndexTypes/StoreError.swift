/// Why the index could not be opened, read or written, whichever database holds it (SQLite
/// or PostgreSQL). Every case names the database; failures without a more specific case keep
/// the database's own code, message and statement.
public enum StoreError: Error, Equatable, Sendable {
    /// SQLite failed; `code` is the extended result code (275 is SQLITE_CONSTRAINT_CHECK).
    case sqlite(code: Int32, message: String, sql: String?)
    /// The file could not be opened at all (missing, a directory, no permission).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not an SQLite database (SQLITE_NOTADB).
    case notADatabase(path: String)
    /// The database records migrations this binary does not know: a newer vggbatch wrote it.
    case newerSchema(path: String, unknownMigrations: [String])
    /// Another process holds the scan lock, or kept the database busy beyond the timeout.
    case locked(path: String, reason: String)
    /// A write was refused because the file or the connection is read-only.
    case readOnly(path: String)
    /// SQLite found the file damaged (SQLITE_CORRUPT).
    case corrupt(path: String, reason: String)
    /// The disk (or SQLite's page limit) is full (SQLITE_FULL).
    case diskFull(path: String)
    /// The PostgreSQL server refused a statement: its SQLSTATE, message and the statement.
    case server(code: String, message: String, sql: String?)

    /// One line for a person.
    public var reason: String {
        switch self {
        case .sqlite(let code, let message, let sql):
            guard let sql else { return "SQLite error \(code): \(message)" }
            // Statements span lines; the description stays on one.
            let oneLine = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return "SQLite error \(code): \(message) - while executing `\(oneLine)`"
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .notADatabase(let path): return "\(path) is not a vggbatch index (not an SQLite database)"
        case .newerSchema(let path, let unknownMigrations):
            return "\(path) was written by a newer vggbatch (unknown migrations: "
                + "\(unknownMigrations.joined(separator: ", "))); upgrade vggbatch to use it"
        case .locked(let path, let reason): return "\(path) is locked: \(reason)"
        case .readOnly(let path): return "cannot write to \(path): it is read-only"
        case .corrupt(let path, let reason): return "\(path) is corrupt: \(reason)"
        case .diskFull(let path): return "cannot write to \(path): the disk is full"
        case .server(let code, let message, let sql):
            guard let sql else { return "PostgreSQL error \(code): \(message)" }
            let oneLine = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return "PostgreSQL error \(code): \(message) - while executing `\(oneLine)`"
        }
    }
}

extension StoreError: CustomStringConvertible {
    public var description: String { reason }
}
