import VGGIndexTypes

extension FeatureCode {
    /// The code of `vector` after scaling it to unit length. A zero or non-finite vector
    /// (which has no direction) gets an all-zero code with no error: it scores 0 against
    /// every query, as its float form does in the search.
    public init(vector: [Float]) {
        var sum = 0.0
        for x in vector { sum += Double(x) * Double(x) }
        let norm = sum.squareRoot()
        var largest = 0.0
        for x in vector { largest = max(largest, abs(Double(x))) }
        guard norm > 0, norm.isFinite, largest.isFinite else {
            self.init(scale: 0, error: 0, code: [Int8](repeating: 0, count: vector.count))
            return
        }
        // The step that fits the largest entry exactly: nothing is clipped.
        let scale = Float(largest / norm / 127)
        var code = [Int8](repeating: 0, count: vector.count)
        var squaredError = 0.0
        for (i, x) in vector.enumerated() {
            let unit = Double(x) / norm
            let level = max(-127, min(127, (unit / Double(scale)).rounded()))
            code[i] = Int8(level)
            let difference = unit - level * Double(scale)
            squaredError += difference * difference
        }
        // The Double sum is good to ~1e-15; rounding the float up keeps the bound a bound (the
        // unit vector itself is only a float away from v/‖v‖, which the search's slack covers).
        self.init(scale: scale, error: Float(squaredError.squareRoot()).nextUp, code: code)
    }
}
