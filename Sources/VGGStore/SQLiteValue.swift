import VGGIndexTypes
/// One SQLite value, as bound to a parameter or read from a column.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// Raw bytes, kept exactly (NUL bytes and non-UTF-8 bytes included).
    case blob([UInt8])
}
