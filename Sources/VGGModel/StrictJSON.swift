/// A strict RFC 8259 JSON parser that keeps object members in order, duplicates included.
///
/// Foundation's parsers silently keep one of two equal keys, so a weight header naming a
/// tensor twice would load whichever copy won. Here members stay a list and the caller
/// decides. Nesting is limited to `maximumDepth` so hostile input cannot exhaust the stack.
public enum StrictJSON {
    /// How deeply arrays and objects may nest; deeper documents are refused.
    public static let maximumDepth = 64

    /// One parsed JSON value.
    public enum Value: Equatable, Sendable {
        /// Members in document order; a key written twice appears twice.
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        /// The number's text exactly as written, so the caller chooses the type and range
        /// without a detour through `Double`.
        case number(String)
        case bool(Bool)
        case null

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.object(let a), .object(let b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case (.array(let a), .array(let b)): return a == b
            case (.string(let a), .string(let b)): return a == b
            case (.number(let a), .number(let b)): return a == b
            case (.bool(let a), .bool(let b)): return a == b
            case (.null, .null): return true
            default: return false
            }
        }
    }

    /// Why a document is not JSON, and the byte offset where parsing stopped.
    public struct SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
        /// Offset of the offending byte from the start of the input.
        public let offset: Int
        public let reason: String

        public var description: String { "byte \(offset): \(reason)" }
    }

    /// Parses one complete JSON text: optional whitespace, one value, optional whitespace.
    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
        var parser = Parser(bytes: bytes)
        return try parser.parseDocument()
    }
}

/// Recursive descent over the bytes; recursion depth is bounded by `StrictJSON.maximumDepth`.
private struct Parser {
    typealias Value = StrictJSON.Value

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws(StrictJSON.SyntaxError) -> Value {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count { throw failure("unexpected \(describe(bytes[index])) after the JSON value") }
        return value
    }

    private mutating func parseValue(depth: Int) throws(StrictJSON.SyntaxError) -> Value {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw failure("unexpected \(describe(bytes[index])), expected a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(StrictJSON.SyntaxError) -> Value {
        if depth > StrictJSON.maximumDepth { throw failure("nesting deeper than \(StrictJSON.maximumDepth)") }
        index += 1  // "{"
        var members: [(key: String, value: Value)] = []
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return .object(members) }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure(index < bytes.count ? "expected a string key" : "unexpected end of input in object")
            }
            let key = try parseString()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw failure("expected ':' after object key") }
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key: key, value: value))
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return .object(members) }
            guard consume(UInt8(ascii: ",")) else { throw failure("expected ',' or '}' in object") }
            skipWhitespace()
        }
    }

    private mutating func parseArray(depth: Int) throws(StrictJSON.SyntaxError) -> Value {
        if depth > StrictJSON.maximumDepth { throw failure("nesting deeper than \(StrictJSON.maximumDepth)") }
        index += 1  // "["
        var elements: [Value] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            guard consume(UInt8(ascii: ",")) else { throw failure("expected ',' or ']' in array") }
            skipWhitespace()
        }
    }

    /// Parses a string starting at its opening quote; the result is valid Unicode because
    /// raw bytes are checked as UTF-8 and escapes may not leave a surrogate unpaired.
    private mutating func parseString() throws(StrictJSON.SyntaxError) -> String {
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw failure("unescaped control character \(describe(byte)) in string")
            case 0x20..<0x80:
                utf8.append(byte)
                index += 1
            default:
                let length = try validUTF8SequenceLength()
                utf8.append(contentsOf: bytes[index..<index + length])
                index += length
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(StrictJSON.SyntaxError) {
        index += 1  // backslash
        guard index < bytes.count else { throw failure("unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let start = index - 2
            let unit = try parseHex4()
            var scalar = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) {
                index = start
                throw failure("low surrogate \\u\(hex(unit)) without a high surrogate before it")
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else {
                    index = start
                    throw failure("high surrogate \\u\(hex(unit)) not followed by a low surrogate")
                }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    index = start
                    throw failure("high surrogate \\u\(hex(unit)) followed by \\u\(hex(low)), not a low surrogate")
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalar, to: &utf8)
        default:
            index -= 1
            throw failure("invalid escape character \(describe(byte))")
        }
    }

    private mutating func parseHex4() throws(StrictJSON.SyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw failure("unterminated \\u escape") }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected a hex digit in \\u escape, found \(describe(byte))")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Length of the well-formed UTF-8 sequence at `index` (Unicode Table 3-7: no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    private func validUTF8SequenceLength() throws(StrictJSON.SyntaxError) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw failure("invalid UTF-8 lead byte \(describe(lead))")
        }
        guard index + length <= bytes.count else { throw failure("truncated UTF-8 sequence") }
        guard secondRange.contains(bytes[index + 1]) else { throw failure("invalid UTF-8 sequence") }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
            throw failure("invalid UTF-8 sequence")
        }
        return length
    }

    /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and returns its text.
    private mutating func parseNumber() throws(StrictJSON.SyntaxError) -> String {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        if consume(UInt8(ascii: ".")) {
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit in exponent") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func expectLiteral(_ literal: String) throws(StrictJSON.SyntaxError) {
        let count = literal.utf8.count
        guard index + count <= bytes.count, bytes[index..<index + count].elementsEqual(literal.utf8) else {
            throw failure("invalid literal, expected \(literal)")
        }
        index += count
    }

    // MARK: - Small steps

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func failure(_ reason: String) -> StrictJSON.SyntaxError {
        StrictJSON.SyntaxError(offset: index, reason: reason)
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func hex(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    private func appendUTF8(_ scalar: UInt32, to utf8: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            utf8.append(UInt8(scalar))
        case 0x80..<0x800:
            utf8.append(UInt8(0xC0 | scalar >> 6))
            utf8.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            utf8.append(UInt8(0xE0 | scalar >> 12))
            utf8.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            utf8.append(UInt8(0x80 | scalar & 0x3F))
        default:
            utf8.append(UInt8(0xF0 | scalar >> 18))
            utf8.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            utf8.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            utf8.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
