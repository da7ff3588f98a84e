/// Float32 as stored and exchanged everywhere: little-endian, 4 bytes each. The index's
/// vector BLOBs (`length(vector) = 4 * dim`, checked by the schema), result lines' and
/// exports' base64 and binary vectors, and safetensors F32 tensors all go through here.
public enum FloatCodec {
    /// The little-endian bytes of `values`.
    public static func encode<C: Collection<Float>>(_ values: C) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// The floats of little-endian bytes, or nil when their length is not a multiple of 4.
    public static func decode(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        let count = bytes.count / 4
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { decode($0, into: buffer) }
            initialized = count
        }
    }

    /// Little-endian bytes into `buffer`, which holds exactly a quarter as many floats.
    public static func decode(_ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(bytes.count == 4 * buffer.count, "\(bytes.count) bytes for \(buffer.count) floats")
        #if _endian(little)
        if !buffer.isEmpty { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
        #else
        for i in buffer.indices { buffer.initializeElement(at: i, to: value(bytes, at: i)) }
        #endif
    }

    /// Float `i` of little-endian bytes, read in place (unaligned).
    @inline(__always)
    public static func value(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
    }
}
