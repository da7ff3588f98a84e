/// Builds JSON text by hand where key order is part of the output contract
/// (`{"path": ..., "top": [...]}` reads better with the path first).
public enum JSONText {
    /// A JSON string literal.
    public static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A JSON number for a finite float (shortest round-trip form); null otherwise.
    public static func number(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }

    /// A JSON object from ordered key/JSON-text pairs.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    /// A JSON array from JSON texts.
    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}
