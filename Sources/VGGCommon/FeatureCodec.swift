
/// fc7 vectors as stored: little-endian Float32, 4 bytes each (the `feature.vector` BLOB,
/// `length(vector) = 4 * dim`, checked by the schema). The only place that encodes them.
public enum FeatureCodec {
    public static func encode(_ values: [Float]) -> [UInt8] {
        var ordered = values
        #if _endian(big)
        for i in ordered.indices { ordered[i] = Float(bitPattern: ordered[i].bitPattern.littleEndian) }
        #endif
        return ordered.withUnsafeBytes { Array($0) }
    }

    /// The floats of a vector BLOB, or nil when its length is not a multiple of 4.
    public static func decode(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        var values = [Float](repeating: 0, count: bytes.count / 4)
        values.withUnsafeMutableBytes { destination in
            // Safe: both hold bytes.count bytes.
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
        #if _endian(big)
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        #endif
        return values
    }
}

