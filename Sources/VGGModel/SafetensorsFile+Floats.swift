extension SafetensorsFile {
    /// The tensor's elements as `Float`, in the file's order.
    ///
    /// F32 is copied as is; F16 (IEEE half) and BF16 are widened exactly, keeping
    /// subnormals, infinities and NaN payloads. Allocates exactly `elementCount` floats,
    /// which validation bounded by the file size.
    public func floats(_ name: String) throws(ModelError) -> [Float] {
        guard let tensor = tensors[name] else { throw .missingTensor(path: path, tensor: name) }
        switch tensor.dtype {
        case "F32": return withBytes(of: tensor) { Self.floatsFromF32($0, count: tensor.elementCount) }
        case "F16": return withBytes(of: tensor) { Self.floatsFrom16Bit($0, count: tensor.elementCount, Self.floatFromF16) }
        case "BF16": return withBytes(of: tensor) { Self.floatsFrom16Bit($0, count: tensor.elementCount, Self.floatFromBF16) }
        default: throw .unsupportedDType(path: path, tensor: name, dtype: tensor.dtype)
        }
    }

    /// IEEE 754 binary16 bits to the `Float` of the same value.
    ///
    /// Written out rather than using `Float16`, which Swift does not offer on macOS x86_64.
    static func floatFromF16(_ bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        switch exponent {
        case 0x1F:
            // Infinity or NaN; the payload moves to the top of the wider mantissa.
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        case 0:
            // Zero or subnormal: mantissa × 2^-24. Both factors and the product are exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// bfloat16 bits to `Float`: they are the upper half of a binary32.
    static func floatFromBF16(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    private static func floatsFromF32(_ bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Safe: validation made bytes.count == count * 4, and buffer holds count floats.
            #if _endian(little)
            if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
            #else
            for i in 0..<count {
                let bits = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                buffer.initializeElement(at: i, to: Float(bitPattern: bits))
            }
            #endif
            initialized = count
        }
    }

    private static func floatsFrom16Bit(
        _ bytes: UnsafeRawBufferPointer, count: Int, _ widen: (UInt16) -> Float
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Safe: validation made bytes.count == count * 2, and buffer holds count floats;
            // loadUnaligned because a header length that is not a multiple of 2 misaligns the data.
            for i in 0..<count {
                let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                buffer.initializeElement(at: i, to: widen(bits))
            }
            initialized = count
        }
    }
}
