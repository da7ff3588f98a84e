/// A hash over 64-byte blocks fed in pieces of any size (SHA-256, MD5): the streaming and the
/// padding they share, around each function's state and compression.
public struct BlockHasher<Function: BlockHashFunction>: Sendable {
    private var state = Function.initialState
    private var buffer = BlockBuffer()

    public init() {}

    /// Adds bytes to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var state = self.state
        buffer.append(bytes) { Function.compress(&state, $0) }
        self.state = state
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest; the hasher must not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        let tail = buffer.padding(bigEndianLength: Function.bigEndianLength)
        tail.withUnsafeBytes { update($0) }
        precondition(buffer.pending.isEmpty, "padding must end on a block boundary")
        return Function.digest(state)
    }

    /// The digest as lowercase hex digits; the hasher must not be used afterwards.
    public mutating func finalizeHex() -> String {
        Hex.encode(finalize())
    }

    /// The digest of `bytes` as lowercase hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        var hasher = Self()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }
}

/// One hash function of `BlockHasher`: its state, its compression of a 64-byte block and how
/// the state becomes the digest.
public protocol BlockHashFunction {
    associatedtype State: Sendable
    static var initialState: State { get }
    /// Whether the message length ends the padding big-endian (SHA-256) or little-endian (MD5).
    static var bigEndianLength: Bool { get }
    static func compress(_ state: inout State, _ block: UnsafeRawBufferPointer)
    static func digest(_ state: State) -> [UInt8]
}
