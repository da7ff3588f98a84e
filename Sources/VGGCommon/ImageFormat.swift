/// The formats vggbatch decodes, identified from the first bytes of a file, never from its
/// name.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case png
    /// HEIF with HEVC images (HEIC: iPhones, many Android phones).
    case heic
    /// HEIF with AV1 images.
    case avif
    case webp
    case tiff
    /// A camera's raw sensor data (DNG, CR2/CR3, NEF, ARW, ORF, RW2, RAF, PEF...).
    case raw

    /// Number of leading bytes `sniff(_:)` looks at.
    public static let magicLength = 64

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let heicBrands: Set<String> = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"]
    private static let avifBrands: Set<String> = ["avif", "avis"]
    private static let heifBrands: Set<String> = ["mif1", "msf1", "mif2"]

    /// The format whose signature starts `bytes`, or nil when it is none vggbatch reads.
    public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
        let head = Array(bytes.prefix(magicLength))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head.starts(with: pngSignature) { return .png }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), head[8..<12].elementsEqual(Array("WEBP".utf8)) { return .webp }
        if let format = isoMedia(head) { return format }
        if head.starts(with: Array("FUJIFILMCCD-RAW".utf8)) { return .raw }
        if head.count >= 8, isTIFF(head) { return tiffOrRaw(head, whole: bytes) }
        return nil
    }

    /// The format of an ISO base media file (HEIF, AVIF, a Canon CR3) from its ftyp box's
    /// major and compatible brands.
    private static func isoMedia(_ head: [UInt8]) -> ImageFormat? {
        guard head.count >= 16, head[4..<8].elementsEqual(Array("ftyp".utf8)) else { return nil }
        let size = Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3])
        let end = min(max(size, 16), head.count)
        var brands = [String(decoding: head[8..<12], as: UTF8.self)]
        for start in stride(from: 16, to: end - 3, by: 4) { brands.append(String(decoding: head[start..<(start + 4)], as: UTF8.self)) }
        if brands[0] == "crx " { return .raw }
        if avifBrands.contains(brands[0]) { return .avif }
        if heicBrands.contains(brands[0]) { return .heic }
        // A generic HEIF brand first: the coded images say which.
        if brands.contains(where: avifBrands.contains) { return .avif }
        if brands.contains(where: heicBrands.contains) || brands.contains(where: heifBrands.contains) { return .heic }
        return nil
    }

    private static func isTIFF(_ head: [UInt8]) -> Bool {
        (head[0] == 0x49 && head[1] == 0x49 && (head[2] == 0x2A || head[2] == 0x52 || head[2] == 0x55) && head[3] == 0x00)
            || (head[0] == 0x4D && head[1] == 0x4D && head[2] == 0x00 && head[3] == 0x2A)
            || (head[0] == 0x49 && head[1] == 0x49 && head[2] == 0x52 && head[3] == 0x4F)  // Olympus ORF "IIRO"
    }

    /// A TIFF-structured file is a camera raw when its signature says so (Olympus, Panasonic,
    /// Canon CR2) or its first directory does (DNGVersion, or raw data in sub-directories
    /// beside a maker's name, as NEF, ARW and PEF files have); else a TIFF image.
    private static func tiffOrRaw<C: Collection>(_ head: [UInt8], whole bytes: C) -> ImageFormat where C.Element == UInt8 {
        let standard = (head[0] == 0x49 && head[2] == 0x2A) || (head[0] == 0x4D && head[3] == 0x2A)
        if !standard || (head.count >= 10 && head[8] == 0x43 && head[9] == 0x52) { return .raw }  // IIRO, IIU, Canon's "CR"
        let tags = TIFFDirectory.tags(in: Array(bytes.prefix(1 << 16)))
        if tags.contains(0xC612) { return .raw }  // DNGVersion
        if tags.contains(0x014A) && tags.contains(0x010F) { return .raw }  // SubIFDs and Make
        return .tiff
    }
}

/// The tags of a TIFF file's first directory, read from its first bytes (nothing decoded).
enum TIFFDirectory {
    static func tags(in bytes: [UInt8]) -> Set<Int> {
        guard bytes.count >= 8 else { return [] }
        let little = bytes[0] == 0x49
        func u16(_ at: Int) -> Int { little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1]) }
        func u32(_ at: Int) -> Int { little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2) }
        let offset = u32(4)
        guard offset >= 8, offset + 2 <= bytes.count else { return [] }
        let count = u16(offset)
        var tags = Set<Int>()
        for entry in 0..<min(count, 512) where offset + 2 + 12 * entry + 2 <= bytes.count {
            tags.insert(u16(offset + 2 + 12 * entry))
        }
        return tags
    }
}
