import Foundation

/// SplitMix64: a tiny, fast, well-mixed 64-bit generator with a fixed sequence per seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform draw in (0, 1]: never zero, so its logarithm is finite.
    public mutating func nextUnitInterval() -> Double { Double((next() >> 11) + 1) * 0x1p-53 }

    /// A standard normal draw (Box–Muller; the second value of each pair is dropped, which
    /// keeps the generator's state a single seed-determined counter).
    public mutating func nextGaussian() -> Double {
        let u = nextUnitInterval()
        let v = nextUnitInterval()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Moves past `count` normal draws at once, as `count` calls of `nextGaussian` would (each
    /// takes two steps of the counter).
    public mutating func skipGaussians(_ count: Int) {
        state &+= 0x9E37_79B9_7F4A_7C15 &* UInt64(2 * count)
    }
}
