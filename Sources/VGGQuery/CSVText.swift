/// CSV as RFC 4180 has it: a field is quoted when it holds a comma, a quote or a line break,
/// with quotes doubled, so a file name with a newline stays one field of one record.
public enum CSVText {
    public static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
