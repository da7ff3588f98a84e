/// The positions (0-based, from the start of `values`) of the `count` largest values, largest
/// first; equal values by position. One pass keeping the best `count` so far: for top-5 of a
/// thousand classes that is far cheaper than sorting.
public func topIndices<Values: Collection>(_ values: Values, count: Int) -> [Int] where Values.Element == Float {
    guard count > 0 else { return [] }
    var best: [(value: Float, position: Int)] = []
    best.reserveCapacity(count + 1)
    for (position, value) in values.enumerated() {
        if best.count == count, let last = best.last, !(value > last.value) { continue }
        // Insert after every kept entry that is at least as large (earlier positions win ties).
        var slot = best.count
        while slot > 0 && value > best[slot - 1].value { slot -= 1 }
        best.insert((value, position), at: slot)
        if best.count > count { best.removeLast() }
    }
    return best.map(\.position)
}
