#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size, 64-byte-aligned, zero-initialised array of floats with a single owner.
///
/// The engine's weights, activations and scratch all live in these. The memory is released
/// when the buffer is. Pointers are handed out only inside `with...` closures.
///
/// `padding` floats of readable zeros lie before and after the `count` usable ones, for
/// vector loads that run past either end and whose out-of-range lanes are then discarded.
public final class AlignedBuffer {
    /// Number of usable floats.
    public let count: Int
    /// Readable floats before the first and after the last usable one.
    public let padding: Int
    private let allocation: UnsafeMutablePointer<Float>
    private let base: UnsafeMutablePointer<Float>

    /// Allocates `count` floats, all zero, with `padding` (rounded up to 16) on each side.
    public init(count: Int, padding: Int = 0) {
        precondition(count >= 0 && padding >= 0, "negative buffer size")
        self.count = count
        self.padding = (padding + 15) / 16 * 16
        let total = max(count + 2 * self.padding, 1)
        let bytes = total * 4
        // Large buffers (weights, activations: tens to hundreds of MB) on 2 MB pages where the
        // system lends them on request (transparent huge pages in "madvise" mode): streaming
        // them then costs one TLB entry per 2 MB instead of per 4 KB. Asked before the first
        // write, which is what places the pages.
        let huge = bytes >= Self.hugePageThreshold
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? Self.hugePage : 64)
        #if canImport(Glibc)
        if huge { _ = madvise(raw, (bytes + Self.hugePage - 1) / Self.hugePage * Self.hugePage, MADV_HUGEPAGE) }
        #endif
        allocation = raw.initializeMemory(as: Float.self, repeating: 0, count: total)
        base = allocation + self.padding
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

    /// Copies `values` into a new buffer whose count is rounded up to a multiple of
    /// `multiple`, the extra floats zero (biases for kernels that work in whole blocks).
    public convenience init(_ values: [Float], zeroPaddedTo multiple: Int) {
        self.init(values + [Float](repeating: 0, count: (multiple - values.count % multiple) % multiple))
    }

    static let hugePage = 2 << 20
    static let hugePageThreshold = 4 << 20

    deinit { allocation.deallocate() }

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

    /// Calls `body` with the buffer's memory seen as `T` (bfloat16 values as `UInt16`, their
    /// pairs as `UInt32`): `count × 4 / MemoryLayout<T>.stride` of them; the pointer must not
    /// escape.
    @inline(__always)
    public func withUnsafeMutablePointer<T, R>(as type: T.Type, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        try base.withMemoryRebound(to: T.self, capacity: count * 4 / MemoryLayout<T>.stride) { try body($0) }
    }

    /// The same, read-only.
    @inline(__always)
    public func withUnsafePointer<T, R>(as type: T.Type, _ body: (UnsafePointer<T>) throws -> R) rethrows -> R {
        try base.withMemoryRebound(to: T.self, capacity: count * 4 / MemoryLayout<T>.stride) { try body(UnsafePointer($0)) }
    }

    /// The contents as an array (tests and small outputs).
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Sets every float to zero.
    public func zero() { base.update(repeating: 0, count: count) }
}
