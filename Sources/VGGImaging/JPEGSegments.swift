/// Finds metadata segments in a JPEG file without decoding it.
///
/// The walk follows libjpeg's marker reader: bytes other than 0xFF between segments are
/// skipped (real files carry such junk after buggy editors), runs of 0xFF fill bytes before
/// a marker are skipped, and markers with no length field carry no payload. Every step
/// moves forward by at least one byte, so any input ends the walk.
public enum JPEGSegments {
    private static let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]  // "Exif\0\0"

    private static let iccHeader: [UInt8] = Array("ICC_PROFILE".utf8) + [0]

    /// The TIFF bytes of the first APP1 segment whose payload starts with "Exif\0\0",
    /// that is the payload after those six bytes, sharing storage with `jpeg`.
    ///
    /// Nil when the data does not start with SOI (FF D8), when scan data (SOS) or the end
    /// of the image (EOI) comes first, or when a segment length is below 2 or runs past the
    /// end of the data before such a segment is found.
    public static func exifTIFF(in jpeg: [UInt8]) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>?
        forEachSegment(jpeg) { marker, payload in
            guard marker == 0xE1, payload.starts(with: exifHeader) else { return true }
            found = payload.dropFirst(exifHeader.count)
            return false
        }
        return found
    }

    /// The embedded ICC profile: the APP2 "ICC_PROFILE" chunks joined in their sequence
    /// order; nil when there is none, or when chunks are missing or repeated.
    public static func iccProfile(in jpeg: [UInt8]) -> [UInt8]? {
        var chunks = [Int: ArraySlice<UInt8>]()
        var total = 0
        forEachSegment(jpeg) { marker, payload in
            guard marker == 0xE2, payload.starts(with: iccHeader), payload.count > iccHeader.count + 2 else { return true }
            let sequence = Int(payload[payload.startIndex + iccHeader.count])
            total = Int(payload[payload.startIndex + iccHeader.count + 1])
            chunks[sequence] = payload.dropFirst(iccHeader.count + 2)
            return true
        }
        guard total > 0, chunks.count == total, (1...total).allSatisfy({ chunks[$0] != nil }) else { return nil }
        return (1...total).flatMap { chunks[$0] ?? [] }
    }

    /// Calls `body(marker, payload)` for each segment with a length before the scan data,
    /// until it returns false.
    private static func forEachSegment(_ jpeg: [UInt8], _ body: (UInt8, ArraySlice<UInt8>) -> Bool) {
        let end = jpeg.count
        guard end >= 2, jpeg[0] == 0xFF, jpeg[1] == 0xD8 else { return }

        var i = 2
        while i < end {
            // Junk before the next marker, then any number of fill bytes.
            while i < end, jpeg[i] != 0xFF { i += 1 }
            while i < end, jpeg[i] == 0xFF { i += 1 }
            guard i < end else { return }
            let marker = jpeg[i]
            i += 1

            switch marker {
            case 0x00:
                // FF 00 is a stuffed data byte, not a marker: more junk.
                continue
            case 0xDA, 0xD9:
                // SOS: entropy-coded data follows, metadata segments are over. EOI: no image.
                return
            case 0x01, 0xD0...0xD8:
                // TEM, RSTn and a repeated SOI stand alone with no length field.
                continue
            default:
                break
            }

            guard i <= end - 2 else { return }
            let length = Int(jpeg[i]) << 8 | Int(jpeg[i + 1])
            // The length counts its own two bytes.
            guard length >= 2, length <= end - i else { return }
            if !body(marker, jpeg[(i + 2)..<(i + length)]) { return }
            i += length
        }
    }
}
