/// "1 group", "2 groups", "1 entry", "2 entries": a count with its noun, plural when the
/// count is not one.
public func counted(_ count: Int, _ noun: String) -> String {
    if count == 1 { return "1 \(noun)" }
    if noun.hasSuffix("y") && !noun.hasSuffix("ey") { return "\(count) \(noun.dropLast())ies" }
    return "\(count) \(noun)s"
}
