import CImageCodecs
import CZlib

/// Embedded ICC profiles, converted to sRGB (through lcms2) when they describe another colour
/// space: an iPhone's Display P3 photo read as if its numbers were sRGB loses saturation, which
/// moves its trained pool5 to a cosine of 0.995 (median; 0.936 at worst) of the converted
/// reading (Benchmarks/README.md, "Colour profiles"); torchvision, Keras and Pillow ignore
/// profiles by default.
public enum ColorProfile {
    /// What was done with a file's colours, for `inspect`.
    public enum Outcome: Sendable, Equatable, Codable, CustomStringConvertible {
        /// No profile: the numbers are taken as sRGB.
        case none
        /// An sRGB profile (or one that describes the same colours): nothing to do.
        case srgb
        /// Converted from the profile named to sRGB.
        case converted(String)
        /// The profile was not applied (conversion switched off, or a profile lcms2 cannot
        /// use), with why.
        case ignored(String)

        public var description: String {
            switch self {
            case .none: return "no profile (taken as sRGB)"
            case .srgb: return "sRGB"
            case .converted(let name): return "\(name) converted to sRGB"
            case .ignored(let why): return "profile ignored: \(why)"
            }
        }
    }

    /// Converts `image` to sRGB from the colour space of `icc`, when it is another one and
    /// `convert` is set.
    static func apply(_ icc: [UInt8]?, to image: inout RGBImage, convert: Bool) -> Outcome {
        guard let icc, !icc.isEmpty else { return .none }
        if icc.withUnsafeBufferPointer({ vgg_icc_is_srgb($0.baseAddress, $0.count) }) != 0 { return .srgb }
        let name = description(of: icc)
        guard convert else { return .ignored("\(name), conversion off") }
        var status = vgg_status()
        let result = image.pixels.withUnsafeMutableBufferPointer { pixels in
            icc.withUnsafeBufferPointer { profile in
                vgg_icc_to_srgb(pixels.baseAddress, pixels.count / 3, profile.baseAddress, profile.count, &status)
            }
        }
        guard result == VGG_OK else { return .ignored("\(name): \(messageText(status))") }
        return .converted(name)
    }

    /// The profile's own name (its 'desc' tag), or "an embedded profile".
    static func description(of icc: [UInt8]) -> String {
        // Tag table after the 128-byte header: count, then (signature, offset, size) entries.
        guard icc.count > 132 else { return "an embedded profile" }
        func u32(_ at: Int) -> Int { Int(icc[at]) << 24 | Int(icc[at + 1]) << 16 | Int(icc[at + 2]) << 8 | Int(icc[at + 3]) }
        let count = min(u32(128), 64)
        for entry in 0..<count where 132 + 12 * entry + 12 <= icc.count {
            let base = 132 + 12 * entry
            guard icc[base..<(base + 4)].elementsEqual(Array("desc".utf8)) else { continue }
            let (offset, size) = (u32(base + 4), u32(base + 8))
            guard offset >= 0, size >= 12, offset + size <= icc.count else { break }
            let tag = icc[offset..<(offset + size)]
            if tag.starts(with: Array("desc".utf8)) {
                // textDescriptionType: ASCII count at 8, text at 12.
                let length = min(u32(offset + 8), size - 12)
                let text = String(decoding: tag.dropFirst(12).prefix(length).prefix { $0 != 0 }, as: UTF8.self)
                if !text.isEmpty { return text }
            } else if tag.starts(with: Array("mluc".utf8)), size >= 28 {
                // multiLocalizedUnicodeType: the first record's UTF-16BE text.
                let (length, start) = (u32(offset + 20), u32(offset + 24))
                guard start + length <= size else { break }
                let units = stride(from: offset + start, to: offset + start + length - 1, by: 2).map { UInt16(icc[$0]) << 8 | UInt16(icc[$0 + 1]) }
                let text = String(decoding: units, as: UTF16.self)
                if !text.isEmpty { return text }
            }
        }
        return "an embedded profile"
    }

    /// A PNG iCCP chunk's profile, inflated (at most 4 MB); nil when it cannot be.
    static func inflate(_ compressed: ArraySlice<UInt8>) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: 4 << 20)
        let status: Int32 = Array(compressed).withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                // Safe: zlib reads at most avail_in bytes and writes at most avail_out.
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
