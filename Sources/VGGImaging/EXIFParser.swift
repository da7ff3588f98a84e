/// Reads the orientation tag from EXIF metadata, treating every byte as untrusted.
///
/// Only IFD0 of the TIFF structure is read, since that is where cameras put the
/// orientation. Every offset is checked against the data before it is followed, and the
/// work is bounded by the entry count, so any input returns quickly.
public enum EXIFParser {
    private static let orientationTag: UInt16 = 0x0112
    private static let typeShort: UInt16 = 3
    private static let entrySize = 12
    private static let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]  // "Exif\0\0"

    /// The orientation stored in a TIFF structure ("II*\0" or "MM\0*", then IFD0).
    ///
    /// Returns nil when the structure is malformed or IFD0 has no readable orientation
    /// entry (tag 0x0112, type SHORT, count at least 1). A tag whose value is 0 or above 8
    /// gives `.up`. A truncated entry table is read as far as whole entries go, so an
    /// orientation entry that precedes the damage still counts.
    public static func orientation(tiff: ArraySlice<UInt8>) -> Orientation? {
        guard let reader = TIFFReader(tiff) else { return nil }
        // `Int(exactly:)` because a 32-bit Int cannot hold every UInt32 offset.
        guard let rawOffset = reader.uint32(at: 4), let ifdOffset = Int(exactly: rawOffset),
              let entryCount = reader.uint16(at: ifdOffset).map(Int.init)
        else { return nil }

        let tableStart = ifdOffset + 2
        let wholeEntries = max(0, (reader.count - tableStart) / entrySize)
        for index in 0..<min(entryCount, wholeEntries) {
            let entry = tableStart + index * entrySize
            guard reader.uint16(at: entry) == orientationTag,
                  reader.uint16(at: entry + 2) == typeShort,
                  let valueCount = reader.uint32(at: entry + 4), valueCount >= 1,
                  let value = reader.uint16(at: entry + 8)
            else { continue }
            return Orientation(exifValue: Int(value))
        }
        return nil
    }

    /// The orientation in a JPEG APP1 payload: "Exif\0\0" followed by a TIFF structure.
    ///
    /// Returns nil when the payload does not start with that header or the TIFF part has
    /// no readable orientation (see `orientation(tiff:)`).
    public static func orientation(app1Payload: ArraySlice<UInt8>) -> Orientation? {
        guard app1Payload.starts(with: exifHeader) else { return nil }
        return orientation(tiff: app1Payload.dropFirst(exifHeader.count))
    }
}

/// Bounds-checked integer reads from a TIFF structure in its declared byte order.
/// Offsets are relative to the first byte of the structure, as TIFF offsets are.
private struct TIFFReader {
    let bytes: ArraySlice<UInt8>
    let bigEndian: Bool

    var count: Int { bytes.count }

    /// Nil unless the data starts with a valid byte-order mark and magic number 42.
    init?(_ bytes: ArraySlice<UInt8>) {
        guard bytes.count >= 8 else { return nil }
        let start = bytes.startIndex
        switch (bytes[start], bytes[start + 1]) {
        case (0x49, 0x49): bigEndian = false  // "II"
        case (0x4D, 0x4D): bigEndian = true  // "MM"
        default: return nil
        }
        self.bytes = bytes
        guard uint16(at: 2) == 42 else { return nil }
    }

    /// The 16-bit value at `offset`, or nil when it does not lie wholly inside the data.
    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count - 2 else { return nil }
        let i = bytes.startIndex + offset
        let b0 = UInt16(bytes[i])
        let b1 = UInt16(bytes[i + 1])
        return bigEndian ? b0 << 8 | b1 : b1 << 8 | b0
    }

    /// The 32-bit value at `offset`, or nil when it does not lie wholly inside the data.
    func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        let i = bytes.startIndex + offset
        let b0 = UInt32(bytes[i])
        let b1 = UInt32(bytes[i + 1])
        let b2 = UInt32(bytes[i + 2])
        let b3 = UInt32(bytes[i + 3])
        return bigEndian
            ? b0 << 24 | b1 << 16 | b2 << 8 | b3
            : b3 << 24 | b2 << 16 | b1 << 8 | b0
    }
}
