/// The 64-byte block framing shared by SHA-256 and MD5: bytes arrive in any pieces, whole
/// blocks go to the compression function, and the message length is counted for padding.
struct BlockBuffer: Sendable {
    static let blockSize = 64
    private(set) var pending = [UInt8]()
    /// Message bytes so far.
    private(set) var length: UInt64 = 0

    init() { pending.reserveCapacity(Self.blockSize) }

    /// Adds bytes, calling `compress` on every block completed.
    mutating func append(_ bytes: UnsafeRawBufferPointer, compress: (UnsafeRawBufferPointer) -> Void) {
        length &+= UInt64(bytes.count)
        var index = 0
        if !pending.isEmpty {
            let take = min(Self.blockSize - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            index = take
            if pending.count == Self.blockSize {
                pending.withUnsafeBytes { compress($0) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - index >= Self.blockSize {
            compress(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + Self.blockSize)]))
            index += Self.blockSize
        }
        if index < bytes.count { pending.append(contentsOf: bytes[index...]) }
    }

    /// The padding that ends the message: 0x80, zeros, then the length in bits as 8 bytes,
    /// big-endian (SHA-256) or little-endian (MD5).
    func padding(bigEndianLength: Bool) -> [UInt8] {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % Self.blockSize != 56 { tail.append(0) }
        let shifts = bigEndianLength ? Array(stride(from: 56, through: 0, by: -8)) : Array(stride(from: 0, through: 56, by: 8))
        for shift in shifts { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        return tail
    }
}
