import VGGCommon

/// What a walk over a PNG file's chunks found, before any pixel is decoded.
///
/// Everything here is as the file states it; nothing is validated beyond being readable
/// (a zero width or an unknown colour type is reported as is, for the decoder to refuse).
public struct PNGChunkScan: Sendable, Equatable {
    /// Image width in pixels, from IHDR.
    public var width: Int
    /// Image height in pixels, from IHDR.
    public var height: Int
    /// Bits per sample (or per palette index), from IHDR.
    public var bitDepth: Int
    /// PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA), from IHDR.
    public var colorType: Int
    /// Whether IHDR announces Adam7 interlacing.
    public var interlaced: Bool
    /// Whether a CgBI chunk comes first: Apple's Xcode-optimised PNG variant, whose pixel
    /// data standard decoders cannot read.
    public var isAppleCgBI: Bool
    /// The TIFF structure from the first eXIf chunk, sharing storage with the scanned bytes.
    public var exifTIFF: ArraySlice<UInt8>?
    /// Whether a tRNS chunk gives transparency to a colour type without an alpha channel.
    public var hasTransparency: Bool
    /// The iCCP chunk's zlib stream (the profile compressed), if there is one.
    public var compressedICC: ArraySlice<UInt8>?
    /// A chunk other than IDAT whose stated length runs past the end of the file: libpng
    /// allocates such a chunk whole before reading it, so a 6 KB file stating a 1.8 GB pCAL
    /// chunk would cost 1.8 GB of memory.
    public var oversizedChunk: OversizedChunk?

    /// A chunk's type and the length it states.
    public struct OversizedChunk: Sendable, Equatable {
        public var type: String
        public var length: Int

        public init(type: String, length: Int) {
            self.type = type
            self.length = length
        }
    }

    public init(
        width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool,
        isAppleCgBI: Bool = false, exifTIFF: ArraySlice<UInt8>? = nil, hasTransparency: Bool = false
    ) {
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.interlaced = interlaced
        self.isAppleCgBI = isAppleCgBI
        self.exifTIFF = exifTIFF
        self.hasTransparency = hasTransparency
    }

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]  // "Exif\0\0"
    private static let maxChunkLength: UInt32 = 0x7FFF_FFFF  // PNG's own limit, 2^31 - 1

    /// Walks the chunks of `png`: signature, an optional CgBI chunk, IHDR, then any chunks up
    /// to IEND, recording the first eXIf chunk on the way. CRCs are not checked.
    ///
    /// Nil when the signature is wrong or the first chunk (after CgBI) is not a complete
    /// 13-byte IHDR. After IHDR the walk stops quietly, keeping what it found, at IEND, at a
    /// length above 2^31 - 1, or at a chunk whose data runs past the end of `png`.
    public static func scan(_ png: [UInt8]) -> PNGChunkScan? {
        guard png.starts(with: signature) else { return nil }
        let end = png.count
        var result: PNGChunkScan?
        var isAppleCgBI = false
        var chunkIndex = 0
        var i = signature.count

        while i <= end - 8 {
            let rawLength = readUInt32(png, at: i)
            let type = png[(i + 4)..<(i + 8)]
            let dataStart = i + 8
            guard rawLength <= maxChunkLength, let length = Int(exactly: rawLength),
                  length <= end - dataStart
            else {
                // IDAT is streamed, so a cut-off last IDAT is only a truncated file.
                if result != nil && !type.elementsEqual(ChunkType.idat) {
                    result?.oversizedChunk = OversizedChunk(type: PathBytes.display(Array(type)), length: Int(rawLength))
                }
                break
            }
            let data = png[dataStart..<(dataStart + length)]
            let isFirstChunk = chunkIndex == 0
            chunkIndex += 1
            // Data plus the four CRC bytes; a missing CRC just ends the loop.
            i = dataStart + length + 4

            if result == nil {
                if isFirstChunk, type.elementsEqual(ChunkType.cgbi) {
                    isAppleCgBI = true
                    continue
                }
                let s = data.startIndex
                // `Int(exactly:)` because a 32-bit Int cannot hold every UInt32 size.
                guard type.elementsEqual(ChunkType.ihdr), length == 13,
                      let width = Int(exactly: readUInt32(png, at: s)),
                      let height = Int(exactly: readUInt32(png, at: s + 4))
                else { return nil }
                result = PNGChunkScan(
                    width: width,
                    height: height,
                    bitDepth: Int(data[s + 8]),
                    colorType: Int(data[s + 9]),
                    interlaced: data[s + 12] != 0,
                    isAppleCgBI: isAppleCgBI)
                continue
            }

            if type.elementsEqual(ChunkType.iend) { break }
            if type.elementsEqual(ChunkType.trns) { result?.hasTransparency = true }
            if type.elementsEqual(Array("iCCP".utf8)), result?.compressedICC == nil,
                let nul = data.firstIndex(of: 0), nul + 1 < data.endIndex, data[nul + 1] == 0
            {
                // Profile name, NUL, compression method 0 (zlib), then the stream.
                result?.compressedICC = data[(nul + 2)...]
            }
            if type.elementsEqual(ChunkType.exif), result?.exifTIFF == nil {
                // The eXIf chunk holds TIFF directly, but some writers copy the JPEG
                // APP1 form with its "Exif\0\0" header.
                result?.exifTIFF = data.starts(with: exifHeader)
                    ? data.dropFirst(exifHeader.count) : data
            }
        }
        return result
    }

    /// The big-endian 32-bit value at `offset`; the caller has checked that 4 bytes exist.
    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

/// Chunk type codes as their four ASCII bytes.
private enum ChunkType {
    static let cgbi: [UInt8] = [0x43, 0x67, 0x42, 0x49]  // "CgBI"
    static let ihdr: [UInt8] = [0x49, 0x48, 0x44, 0x52]  // "IHDR"
    static let iend: [UInt8] = [0x49, 0x45, 0x4E, 0x44]  // "IEND"
    static let exif: [UInt8] = [0x65, 0x58, 0x49, 0x66]  // "eXIf"
    static let trns: [UInt8] = [0x74, 0x52, 0x4E, 0x53]  // "tRNS"
    static let idat: [UInt8] = [0x49, 0x44, 0x41, 0x54]  // "IDAT"
}
