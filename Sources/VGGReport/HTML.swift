import VGGCommon

/// Building blocks for the report pages: escaping and file URLs. Every piece of text that
/// comes from a file name, a label or the database goes through `text` or `attribute`.
public enum HTML {
    /// `value` for use between tags.
    public static func text(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                // Control characters (a newline in a file name) would break the layout or the markup.
                if character.value < 0x20 || character.value == 0x7F {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(character)
                }
            }
        }
        return result
    }

    /// `value` for use inside a double-quoted attribute.
    public static func attribute(_ value: String) -> String { text(value) }

    /// A `file://` URL for raw path bytes: every byte outside the unreserved set and "/" is
    /// percent-encoded, so names that are not UTF-8, or hold "#", "?" or quotes, still link
    /// to the right file.
    public static func fileURL(_ path: [UInt8]) -> String {
        "file://" + percentEncoded(path)
    }

    /// A relative URL (a thumbnail), percent-encoded the same way.
    public static func relativeURL(_ path: String) -> String { percentEncoded(Array(path.utf8)) }

    private static func percentEncoded(_ bytes: [UInt8]) -> String { PathBytes.percentEncoded(bytes) }
}
