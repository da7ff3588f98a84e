import VGGSQL
import CSQLite3
import VGGIndexTypes

extension StoreError {
    /// Turns an SQLite result code into the case a user can act on; the one place that does.
    ///
    /// `code` may be primary or extended: the low byte is the primary code.
    static func fromSQLite(code: Int32, message: String, sql: String?, path: String) -> StoreError {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .locked(path: path, reason: "\(message) (another process kept it busy beyond the timeout)")
        case SQLITE_READONLY: return .readOnly(path: path)
        case SQLITE_FULL: return .diskFull(path: path)
        case SQLITE_NOTADB: return .notADatabase(path: path)
        case SQLITE_CORRUPT: return .corrupt(path: path, reason: message)
        case SQLITE_CANTOPEN: return .cannotOpen(path: path, reason: message)
        default: return .sqlite(code: code, message: message, sql: sql)
        }
    }
}
