import VGGCommon

extension SafetensorsFile {
    /// The tensor's elements as `Float`, in the file's order.
    ///
    /// F32 is copied as is; F16 (IEEE half) and BF16 are widened exactly, keeping
    /// subnormals, infinities and NaN payloads. Allocates exactly `elementCount` floats,
    /// which validation bounded by the file size.
    ///
    /// With `releasingPages`, the mapped pages are handed back to the kernel chunk by chunk
    /// as they are converted, so a large tensor is never resident twice (mapped and copied).
    public func floats(_ name: String, releasingPages: Bool = false) throws(ModelError) -> [Float] {
        guard let tensor = tensors[name] else { throw .missingTensor(path: path, tensor: name) }
        let elementSize: Int
        let convert: (UnsafeRawBufferPointer, UnsafeMutableBufferPointer<Float>) -> Void
        switch tensor.dtype {
        case "F32": (elementSize, convert) = (4, Self.convertF32)
        case "F16": (elementSize, convert) = (2, { Self.convert16Bit($0, into: $1, Self.floatFromF16) })
        case "BF16": (elementSize, convert) = (2, { Self.convert16Bit($0, into: $1, Self.floatFromBF16) })
        default: throw .unsupportedDType(path: path, tensor: name, dtype: tensor.dtype)
        }
        let count = tensor.elementCount
        let chunk = (8 << 20) / elementSize
        return withBytes(of: tensor) { bytes in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // Safe: validation made bytes.count == count * elementSize; buffer holds count floats.
                var first = 0
                while first < count {
                    let n = min(chunk, count - first)
                    let source = UnsafeRawBufferPointer(rebasing: bytes[(first * elementSize)..<((first + n) * elementSize)])
                    convert(source, UnsafeMutableBufferPointer(rebasing: buffer[first..<(first + n)]))
                    if releasingPages { Self.releasePages(source) }
                    first += n
                }
                initialized = count
            }
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

    /// Little-endian F32 bytes into floats (same count).
    private static func convertF32(_ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<Float>) {
        FloatCodec.decode(bytes, into: buffer)
    }

    /// Little-endian 16-bit values widened by `widen` into floats (same count). Unaligned
    /// loads: a header length that is not a multiple of 2 misaligns the data.
    private static func convert16Bit(
        _ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<Float>, _ widen: (UInt16) -> Float
    ) {
        for i in buffer.indices {
            let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            buffer.initializeElement(at: i, to: widen(bits))
        }
    }
}
