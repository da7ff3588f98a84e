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

    /// The fields that name a file path under `key`: the path as a string, exact when its
    /// bytes are UTF-8; for a name that is not, its display form (`PathBytes.display`) and,
    /// under `key_base64`, its exact bytes. A reader takes `key_base64` when it is there, so
    /// no two names are ever written the same way.
    public static func path(_ key: String, _ bytes: [UInt8]) -> [(String, String)] {
        if let exact = String(validating: bytes, as: UTF8.self) { return [(key, string(exact))] }
        return [(key, string(PathBytes.display(bytes))), (key + "_base64", string(PathBytes.base64(bytes)))]
    }

    /// A JSON object whose first fields name a path (see `path(_:_:)`), then `fields`.
    public static func object(path bytes: [UInt8], key: String = "path", _ fields: [(String, String)]) -> String {
        object(path(key, bytes) + fields)
    }

    /// A JSON array from JSON texts.
    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}
