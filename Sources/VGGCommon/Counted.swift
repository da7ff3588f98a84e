/// "1 group", "2 groups", "1 entry", "2 entries": a count with its noun, plural when the
/// count is not one.
public func counted(_ count: Int, _ noun: String) -> String {
    if count == 1 { return "1 \(noun)" }
    if noun.hasSuffix("y") && !noun.hasSuffix("ey") { return "\(count) \(noun.dropLast())ies" }
    return "\(count) \(noun)s"
}

/// 138357544 → "138,357,544".
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
}
