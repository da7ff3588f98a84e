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

/// A value with `places` decimals, or with as many more as it needs to read back as itself
/// (0.77 → "0.770", 0.9995 → "0.9995"): a threshold a person typed is shown as typed.
public func decimals(_ value: Float, places: Int = 3) -> String {
    let short = String(format: "%.\(places)f", value)
    if let back = Float(short), back == value || abs(Double(back) - Double(value)) < 1e-7 { return short }
    return String(format: "%.7g", value)
}
