/// The int8 form of an fc7 vector kept for similarity search (`feature_code`): the vector
/// v scaled to unit length, stored as `scale` × `code` with |code| ≤ 127, and `error`, an
/// upper bound on ‖v − scale·code‖. For any unit query q, Cauchy–Schwarz puts the exact
/// cosine q·v within ±error of scale·(q·code), so a search can score every image from 4
/// bytes a dimension and read float32 vectors only for the few whose interval still
/// reaches the results.
public struct FeatureCode: Sendable, Equatable {
    public var scale: Float
    public var error: Float
    public var code: [Int8]

    public init(scale: Float, error: Float, code: [Int8]) {
        self.scale = scale
        self.error = error
        self.code = code
    }

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

    /// `code` as stored: one signed byte per dimension.
    public var bytes: [UInt8] { code.map { UInt8(bitPattern: $0) } }
}
