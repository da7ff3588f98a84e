import Foundation

/// A small seeded random generator (SplitMix64) with Gaussian draws.
///
/// The basis is learned from a random start; a fixed seed makes a learned basis, and so
/// every stored projection, reproducible across runs and machines.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in (0, 1]: never zero, so its logarithm is finite.
    public mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// A standard normal draw (Box–Muller; the second value of each pair is dropped, which
    /// keeps the generator stateless beyond its seed).
    public mutating func nextGaussian() -> Double {
        let u = nextUnitInterval()
        let v = nextUnitInterval()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
