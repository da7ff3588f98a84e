import Foundation

/// MD5 (RFC 1321), streaming. Only to check downloads against the checksums some
/// publishers give instead of SHA-256 (the Keras application weights); never a fingerprint.
public typealias MD5 = BlockHasher<MD5Function>

/// MD5's state and compression (RFC 1321).
public enum MD5Function: BlockHashFunction {
    public typealias State = (UInt32, UInt32, UInt32, UInt32)

    public static var initialState: State { (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476) }

    public static var bigEndianLength: Bool { false }

    /// The 16-byte digest: the words little-endian.
    public static func digest(_ state: State) -> [UInt8] {
        [state.0, state.1, state.2, state.3].flatMap { word in [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }

    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// floor(|sin(i + 1)| · 2^32), as the RFC tabulates.
    private static let constants: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4_294_967_296.0).rounded(.down)))
    }

    public static func compress(_ state: inout State, _ block: UnsafeRawBufferPointer) {
        var m = [UInt32](repeating: 0, count: 16)
        for i in 0..<16 { m[i] = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
        var (a, b, c, d) = state
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ constants[i] &+ m[g]
            a = d
            d = c
            c = b
            b = b &+ ((f << shifts[i]) | (f >> (32 - shifts[i])))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
