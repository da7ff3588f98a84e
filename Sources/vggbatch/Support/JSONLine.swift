import Foundation

/// Encodes one value as a single line of JSON with stable key order.
enum JSONLine {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            preconditionFailure("JSON encoding of a plain value failed")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
