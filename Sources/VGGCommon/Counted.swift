/// "1 group", "2 groups": a count with its noun, plural when the count is not one.
public func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
