/// A fixed-size, 64-byte-aligned, zero-initialised array of floats with a single owner.
///
/// The engine's weights, activations and scratch all live in these. The memory is released
/// when the buffer is. Pointers are handed out only inside `with...` closures.
public final class AlignedBuffer {
    /// Number of floats.
    public let count: Int
    private let base: UnsafeMutablePointer<Float>

    /// Allocates `count` floats, all zero.
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    /// Copies `values` into a new buffer.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            // Safe: both hold `count` floats.
            guard let from = source.baseAddress else { return }
            base.update(from: from, count: count)
        }
    }

    deinit { base.deallocate() }

    /// Calls `body` with the buffer's memory; the pointer must not escape.
    @inline(__always)
    public func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try body(base)
    }

    /// Calls `body` with the buffer's memory, read-only; the pointer must not escape.
    @inline(__always)
    public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafePointer(base))
    }

    /// The contents as an array (tests and small outputs).
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Sets every float to zero.
    public func zero() { base.update(repeating: 0, count: count) }
}
