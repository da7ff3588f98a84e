import VGGCommon
import Testing
import VGGImaging

// MARK: - Byte builders

/// One IFD entry as the builder writes it; `value` goes in the first two bytes of the
/// value field, as a SHORT does.
private struct Entry {
    var tag: UInt16
    var type: UInt16 = 3
    var count: UInt32 = 1
    var value: UInt16 = 0

    static func orientation(_ value: UInt16) -> Entry { Entry(tag: 0x0112, value: value) }
    /// Make (0x010F), ASCII, count 4: a neighbour that is not the orientation.
    static let make = Entry(tag: 0x010F, type: 2, count: 4, value: 0x4361)
    /// ResolutionUnit (0x0128), SHORT 2 (inches).
    static let resolutionUnit = Entry(tag: 0x0128, value: 2)
}

private func bytes16(_ value: UInt16, bigEndian: Bool) -> [UInt8] {
    let hi = UInt8(value >> 8)
    let lo = UInt8(value & 0xFF)
    return bigEndian ? [hi, lo] : [lo, hi]
}

private func bytes32(_ value: UInt32, bigEndian: Bool) -> [UInt8] {
    let be: [UInt8] = [
        UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
    ]
    return bigEndian ? be : be.reversed()
}

/// A TIFF structure with IFD0 at offset 8 holding `entries`; `declaredCount` overrides the
/// entry count the IFD claims.
private func makeTIFF(bigEndian: Bool, entries: [Entry], declaredCount: Int? = nil) -> [UInt8] {
    var out: [UInt8] = bigEndian ? [0x4D, 0x4D, 0x00, 0x2A] : [0x49, 0x49, 0x2A, 0x00]
    out += bytes32(8, bigEndian: bigEndian)
    out += bytes16(UInt16(declaredCount ?? entries.count), bigEndian: bigEndian)
    for entry in entries {
        out += bytes16(entry.tag, bigEndian: bigEndian)
        out += bytes16(entry.type, bigEndian: bigEndian)
        out += bytes32(entry.count, bigEndian: bigEndian)
        out += bytes16(entry.value, bigEndian: bigEndian) + [0, 0]
    }
    return out + bytes32(0, bigEndian: bigEndian)  // no IFD1
}

private func tiff(orientation value: UInt16, bigEndian: Bool = false) -> [UInt8] {
    makeTIFF(bigEndian: bigEndian, entries: [.make, .orientation(value), .resolutionUnit])
}

private let exifHeader: [UInt8] = Array("Exif".utf8) + [0, 0]
private let xmpHeader: [UInt8] = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0]
private let jfifPayload: [UInt8] = Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]

private let soi: [UInt8] = [0xFF, 0xD8]
private let eoi: [UInt8] = [0xFF, 0xD9]

/// A marker segment; the length field counts itself plus the payload.
private func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let length = payload.count + 2
    return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
}

private func app1Exif(_ tiffBytes: [UInt8]) -> [UInt8] { segment(0xE1, exifHeader + tiffBytes) }

/// SOS with a one-component header, then a few bytes of entropy-coded data.
private let scan: [UInt8] = segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + [0x12, 0xFF, 0x00, 0x34]

private let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// A chunk with a zero CRC, which the scanner does not check.
private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    bytes32(UInt32(data.count), bigEndian: true) + Array(type.utf8) + data + [0, 0, 0, 0]
}

private func ihdr(
    width: UInt32 = 3, height: UInt32 = 2, bitDepth: UInt8 = 8, colorType: UInt8 = 2, interlace: UInt8 = 0
) -> [UInt8] {
    chunk("IHDR", bytes32(width, bigEndian: true) + bytes32(height, bigEndian: true)
        + [bitDepth, colorType, 0, 0, interlace])
}

private let idat = chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
private let iend = chunk("IEND", [])

// MARK: - EXIF

@Suite("EXIFParser")
struct EXIFParserTests {
    @Test("Reads every orientation in both byte orders", arguments: [false, true], 1...8)
    func readsOrientation(bigEndian: Bool, value: Int) {
        let bytes = tiff(orientation: UInt16(value), bigEndian: bigEndian)
        #expect(EXIFParser.orientation(tiff: bytes[...]) == Orientation(rawValue: value))
    }

    @Test("Out-of-range values read as upright", arguments: [false, true], [0, 9, 0x0100, 0xFFFF] as [UInt16])
    func garbageValueIsUp(bigEndian: Bool, value: UInt16) {
        #expect(EXIFParser.orientation(tiff: tiff(orientation: value, bigEndian: bigEndian)[...]) == .up)
    }

    @Test("Reads a TIFF that sits inside a larger buffer")
    func sliceWithOffset() {
        let buffer = [0xAA, 0xBB, 0xCC] + tiff(orientation: 6, bigEndian: true) + [0xDD]
        #expect(EXIFParser.orientation(tiff: buffer[3..<(buffer.count - 1)]) == .rotate90Clockwise)
    }

    @Test("Malformed TIFF gives nil", arguments: [
        ("empty", []),
        ("byte-order mark only", [0x49, 0x49]),
        ("header without IFD", [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]),
        ("bad byte-order mark", [0x49, 0x4D] + tiff(orientation: 6).dropFirst(2)),
        ("little-endian mark, big-endian magic", [0x49, 0x49, 0x00, 0x2A] + tiff(orientation: 6).dropFirst(4)),
        ("wrong magic", [0x4D, 0x4D, 0x00, 0x2B] + tiff(orientation: 6, bigEndian: true).dropFirst(4)),
        ("IFD offset past end", [0x49, 0x49, 0x2A, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00]),
        ("IFD offset at last byte", [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01]),
        ("IFD offset 0xFFFFFFFF", [0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00]),
        ("1000 entries claimed, none present", makeTIFF(bigEndian: false, entries: [], declaredCount: 1000)),
        ("1000 entries claimed, orientation cut short",
         Array(makeTIFF(bigEndian: false, entries: [.orientation(6)], declaredCount: 1000).prefix(20))),
        ("no orientation entry", makeTIFF(bigEndian: true, entries: [.make, .resolutionUnit])),
        ("orientation as LONG", makeTIFF(bigEndian: false, entries: [Entry(tag: 0x0112, type: 4, value: 6)])),
        ("orientation as ASCII", makeTIFF(bigEndian: true, entries: [Entry(tag: 0x0112, type: 2, value: 6)])),
        ("orientation with count 0", makeTIFF(bigEndian: false, entries: [Entry(tag: 0x0112, count: 0, value: 6)])),
        ("zero entries", makeTIFF(bigEndian: false, entries: [.orientation(6)], declaredCount: 0)),
    ] as [(String, [UInt8])])
    func malformed(name: String, bytes: [UInt8]) {
        #expect(EXIFParser.orientation(tiff: bytes[...]) == nil, "\(name)")
    }

    @Test("A whole orientation entry before a truncated table still counts")
    func truncatedTableAfterEntry() {
        let bytes = makeTIFF(bigEndian: false, entries: [.make, .orientation(8)], declaredCount: 1000)
        #expect(EXIFParser.orientation(tiff: bytes[...]) == .rotate90CounterClockwise)
    }

    @Test("APP1 payload needs the Exif header", arguments: [
        (exifHeader + tiff(orientation: 3), Orientation?.some(.rotate180)),
        (Array("Exif".utf8) + [0, 0xFF] + tiff(orientation: 3), nil),
        (tiff(orientation: 3), nil),
        (exifHeader, nil),
        (Array("Exif".utf8), nil),
        ([], nil),
    ] as [([UInt8], Orientation?)])
    func app1Payload(payload: [UInt8], expected: Orientation?) {
        #expect(EXIFParser.orientation(app1Payload: payload[...]) == expected)
    }
}

// MARK: - JPEG

@Suite("JPEGSegments")
struct JPEGSegmentsTests {
    private let exif6 = tiff(orientation: 6)
    private let exif8 = tiff(orientation: 8, bigEndian: true)

    @Test("Finds Exif after APP0")
    func afterAPP0() throws {
        let jpeg = soi + segment(0xE0, jfifPayload) + app1Exif(exif6) + scan + eoi
        let found = try #require(JPEGSegments.exifTIFF(in: jpeg))
        #expect(Array(found) == exif6)
        #expect(EXIFParser.orientation(tiff: found) == .rotate90Clockwise)
    }

    @Test("Skips junk bytes, fill bytes, stuffed zeros and standalone markers")
    func toleratesNoise() {
        let jpeg = soi + segment(0xE0, jfifPayload)
            + [0x00, 0x12, 0x34]  // junk between segments
            + [0xFF, 0x00]  // stuffed zero, read as junk
            + [0xFF, 0xD0, 0xFF, 0x01]  // RST0 and TEM carry no length
            + [0xFF, 0xFF, 0xFF]  // fill bytes before the next marker
            + app1Exif(exif6) + scan + eoi
        #expect(JPEGSegments.exifTIFF(in: jpeg).map(Array.init) == exif6)
    }

    @Test("The first Exif segment wins")
    func firstWins() {
        let jpeg = soi + app1Exif(exif6) + app1Exif(exif8) + scan + eoi
        #expect(JPEGSegments.exifTIFF(in: jpeg).map(Array.init) == exif6)
    }

    @Test("Skips an XMP APP1 segment")
    func skipsXMP() {
        let xmp = segment(0xE1, xmpHeader + Array("<x:xmpmeta/>".utf8))
        let jpeg = soi + xmp + app1Exif(exif8) + scan + eoi
        #expect(JPEGSegments.exifTIFF(in: jpeg).map(Array.init) == exif8)
        #expect(JPEGSegments.exifTIFF(in: soi + xmp + scan + eoi) == nil)
    }

    @Test("Exif in a segment other than APP1 is ignored")
    func onlyAPP1() {
        let jpeg = soi + segment(0xE2, exifHeader + exif6) + scan + eoi
        #expect(JPEGSegments.exifTIFF(in: jpeg) == nil)
    }

    @Test("Gives nil for files without a reachable Exif segment", arguments: [
        ("empty", []),
        ("single FF", [0xFF]),
        ("SOI only", soi),
        ("no SOI", segment(0xE0, jfifPayload) + app1Exif(tiff(orientation: 6))),
        ("SOS before APP1", soi + scan + app1Exif(tiff(orientation: 6)) + eoi),
        ("EOI before APP1", soi + eoi + app1Exif(tiff(orientation: 6))),
        ("length past end", soi + [0xFF, 0xE0, 0x10, 0x00] + jfifPayload + app1Exif(tiff(orientation: 6))),
        ("Exif segment cut short", Array((soi + app1Exif(tiff(orientation: 6))).dropLast(3))),
        ("length 0", soi + [0xFF, 0xE0, 0x00, 0x00] + app1Exif(tiff(orientation: 6))),
        ("length 1", soi + [0xFF, 0xE0, 0x00, 0x01] + app1Exif(tiff(orientation: 6))),
        ("length byte missing", soi + [0xFF, 0xE1, 0x00]),
        ("fill bytes to the end", soi + [0xFF, 0xFF, 0xFF]),
        ("junk to the end", soi + [0x01, 0x02, 0x03]),
        ("Exif header with wrong padding",
         soi + segment(0xE1, Array("Exif".utf8) + [0, 0xFF] + tiff(orientation: 6))),
    ] as [(String, [UInt8])])
    func noExif(name: String, jpeg: [UInt8]) {
        #expect(JPEGSegments.exifTIFF(in: jpeg) == nil, "\(name)")
    }
}

// MARK: - PNG

@Suite("PNGChunkScan")
struct PNGChunkScanTests {
    private let exif6 = tiff(orientation: 6)

    @Test("Reads IHDR and eXIf")
    func standard() throws {
        let png = pngSignature + ihdr(width: 4000, height: 3000, bitDepth: 16, colorType: 6, interlace: 1)
            + chunk("eXIf", exif6) + idat + iend
        let result = try #require(PNGChunkScan.scan(png))
        #expect(result == PNGChunkScan(
            width: 4000, height: 3000, bitDepth: 16, colorType: 6, interlaced: true,
            isAppleCgBI: false, exifTIFF: exif6[...]))
        let tiffBytes = try #require(result.exifTIFF)
        #expect(EXIFParser.orientation(tiff: tiffBytes) == .rotate90Clockwise)
    }

    @Test("Keeps the full UInt32 size range")
    func largeSize() throws {
        let result = try #require(PNGChunkScan.scan(pngSignature + ihdr(width: 0xFFFF_FFFF, height: 0) + iend))
        #expect(result.width == 4_294_967_295)
        #expect(result.height == 0)
    }

    @Test("Strips an Exif header inside eXIf")
    func exifHeaderStripped() {
        let png = pngSignature + ihdr() + chunk("eXIf", exifHeader + exif6) + idat + iend
        #expect(PNGChunkScan.scan(png)?.exifTIFF.map(Array.init) == exif6)
    }

    @Test("Finds eXIf after IDAT, keeps the first, ignores any after IEND")
    func exifPlacement() {
        let other = tiff(orientation: 3)
        let afterData = pngSignature + ihdr() + idat + chunk("eXIf", exif6) + chunk("eXIf", other) + iend
        #expect(PNGChunkScan.scan(afterData)?.exifTIFF.map(Array.init) == exif6)
        let afterEnd = pngSignature + ihdr() + idat + iend + chunk("eXIf", exif6)
        #expect(PNGChunkScan.scan(afterEnd)?.exifTIFF == nil)
    }

    @Test("Notices Apple's CgBI chunk before IHDR")
    func appleCgBI() throws {
        let png = pngSignature + chunk("CgBI", [0x50, 0x00, 0x20, 0x06]) + ihdr(colorType: 6) + idat + iend
        let result = try #require(PNGChunkScan.scan(png))
        #expect(result.isAppleCgBI)
        #expect(result.width == 3 && result.height == 2 && result.colorType == 6)
    }

    @Test("CgBI after IHDR is just another chunk")
    func lateCgBI() {
        let png = pngSignature + ihdr() + chunk("CgBI", [0, 0, 0, 0]) + idat + iend
        #expect(PNGChunkScan.scan(png)?.isAppleCgBI == false)
    }

    @Test("Keeps what it found when a later chunk is cut short or oversized, and names such a chunk", arguments: [
        ("eXIf data cut short", Array((pngSignature + ihdr() + chunk("eXIf", tiff(orientation: 6))).dropLast(10)),
         PNGChunkScan.OversizedChunk(type: "eXIf", length: 50)),
        ("length above 2^31 - 1", pngSignature + ihdr() + [0x80, 0, 0, 0] + Array("eXIf".utf8)
            + tiff(orientation: 6), PNGChunkScan.OversizedChunk(type: "eXIf", length: 1 << 31)),
        ("IDAT cut short is only truncation", Array((pngSignature + ihdr() + idat).dropLast(6)), nil),
        ("no IEND", pngSignature + ihdr() + idat, nil),
        ("CRC of IHDR missing", Array((pngSignature + ihdr()).dropLast(4)), nil),
        ("half a chunk header", pngSignature + ihdr() + [0, 0, 0], nil),
        ("a chunk type of control and non-UTF-8 bytes, escaped", pngSignature + ihdr() + [0x42, 0, 0, 0] + [0x7D, 0x26, 0xFF, 0x0D],
         PNGChunkScan.OversizedChunk(type: "}&\\xff\\x0d", length: 0x4200_0000)),
    ] as [(String, [UInt8], PNGChunkScan.OversizedChunk?)])
    func truncatedAfterHeader(name: String, png: [UInt8], oversized: PNGChunkScan.OversizedChunk?) throws {
        let result = try #require(PNGChunkScan.scan(png), "\(name)")
        var expected = PNGChunkScan(width: 3, height: 2, bitDepth: 8, colorType: 2, interlaced: false)
        expected.oversizedChunk = oversized
        #expect(result == expected, "\(name)")
    }

    @Test("Gives nil without a signature and a readable IHDR", arguments: [
        ("empty", []),
        ("signature only", pngSignature),
        ("bad signature", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x00] + ihdr() + iend),
        ("JPEG", soi + segment(0xE0, jfifPayload)),
        ("IDAT first", pngSignature + idat + ihdr() + iend),
        ("IEND first", pngSignature + iend + ihdr()),
        ("two CgBI chunks", pngSignature + chunk("CgBI", []) + chunk("CgBI", []) + ihdr() + iend),
        ("IHDR of 12 bytes", pngSignature + chunk("IHDR", [UInt8](repeating: 1, count: 12)) + iend),
        ("IHDR of 14 bytes", pngSignature + chunk("IHDR", [UInt8](repeating: 1, count: 14)) + iend),
        ("IHDR cut short", Array((pngSignature + ihdr()).prefix(20))),
        ("IHDR length above 2^31 - 1", pngSignature + [0xFF, 0xFF, 0xFF, 0xFF] + Array("IHDR".utf8)),
    ] as [(String, [UInt8])])
    func noHeader(name: String, png: [UInt8]) {
        #expect(PNGChunkScan.scan(png) == nil, "\(name)")
    }
}

// MARK: - Robustness

/// Runs every parser over `bytes`, and the EXIF parser over whatever the container
/// parsers hand back. Nothing is checked beyond returning.
private func parseEverything(_ bytes: [UInt8]) {
    _ = EXIFParser.orientation(tiff: bytes[...])
    _ = EXIFParser.orientation(app1Payload: bytes[...])
    if let found = JPEGSegments.exifTIFF(in: bytes) { _ = EXIFParser.orientation(tiff: found) }
    if let found = PNGChunkScan.scan(bytes)?.exifTIFF { _ = EXIFParser.orientation(tiff: found) }
}

/// Overwrites a few bytes, favouring the values parsers branch on, and sometimes cuts
/// the end off.
private func mutate(_ bytes: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
    var out = bytes
    let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xD8, 0xD9, 0xDA, 0xE1, 0xFF]
    for _ in 0..<Int.random(in: 1...8, using: &rng) where !out.isEmpty {
        let index = Int.random(in: 0..<out.count, using: &rng)
        out[index] = Bool.random(using: &rng)
            ? interesting[Int.random(in: 0..<interesting.count, using: &rng)]
            : UInt8.random(in: 0...255, using: &rng)
    }
    if Int.random(in: 0..<4, using: &rng) == 0 {
        out.removeLast(Int.random(in: 0...out.count, using: &rng))
    }
    return out
}

@Suite("Parser robustness")
struct ParserRobustnessTests {
    @Test("Random bytes, bare and behind each signature, never crash")
    func randomBytes() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let prefixes: [[UInt8]] = [
            [], soi, pngSignature, [0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A], exifHeader,
        ]
        for round in 0..<2000 {
            let count = Int.random(in: 0..<300, using: &rng)
            let body = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            parseEverything(prefixes[round % prefixes.count] + body)
        }
    }

    @Test("Mutated valid files never crash")
    func mutatedFiles() {
        let jpeg = soi + segment(0xE0, jfifPayload) + segment(0xE1, xmpHeader + [0x3C, 0x3E])
            + app1Exif(tiff(orientation: 6, bigEndian: true)) + scan + eoi
        let png = pngSignature + chunk("CgBI", [0, 0, 0, 0]) + ihdr()
            + chunk("eXIf", tiff(orientation: 8)) + idat + iend
        // The seeds parse, so mutations start from files that reach the deep paths.
        let jpegTIFF = JPEGSegments.exifTIFF(in: jpeg)
        let pngTIFF = PNGChunkScan.scan(png)?.exifTIFF
        #expect(jpegTIFF.flatMap { EXIFParser.orientation(tiff: $0) } == .rotate90Clockwise)
        #expect(pngTIFF.flatMap { EXIFParser.orientation(tiff: $0) } == .rotate90CounterClockwise)

        var rng = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<2000 {
            parseEverything(mutate(jpeg, using: &rng))
            parseEverything(mutate(png, using: &rng))
        }
    }
}
