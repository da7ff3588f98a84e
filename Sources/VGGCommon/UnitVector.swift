/// Vectors scaled to unit length, the form every search compares.
public enum UnitVector {
    /// Scales `v` to unit length in place (the norm in Double, each value divided in Double,
    /// so the result is the correctly rounded unit vector); false, and `v` untouched, when
    /// it has no direction (zero or not finite).
    @discardableResult
    public static func normalise(_ v: inout [Float]) -> Bool {
        var sum = 0.0
        for x in v { sum += Double(x) * Double(x) }
        let norm = sum.squareRoot()
        guard norm > 0, norm.isFinite else { return false }
        for i in v.indices { v[i] = Float(Double(v[i]) / norm) }
        return true
    }
}
