/// One SQL value, as bound to a parameter or read from a column, in SQLite's five storage
/// classes (PostgreSQL's types map onto them: integers and booleans to `integer`, floats to
/// `real`, text to `text`, bytea to `blob`).
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// Raw bytes, kept exactly (NUL bytes and non-UTF-8 bytes included).
    case blob([UInt8])

    public var integer: Int64? { if case .integer(let value) = self { return value } else { return nil } }
    public var real: Double? { if case .real(let value) = self { return value } else { return nil } }
    public var text: String? { if case .text(let value) = self { return value } else { return nil } }
    public var blob: [UInt8]? { if case .blob(let value) = self { return value } else { return nil } }
}
