#if canImport(Glibc)
import VGGIndexTypes
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import VGGPipeline
import _VGGTestSupport

@Suite("File fingerprint")
struct FileFingerprintTests {
    /// Content that differs from byte to byte, with a period (251) that is not a power of two,
    /// so a wrong offset cannot hash the same bytes by accident.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8($0 % 251) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    // Expected values from Python's hashlib over the same definition:
    // sha256(struct.pack('<q', n) + (b if n <= 512 KiB else b[:256 KiB] + b[-256 KiB:])).
    @Test(arguments: [
        (0, "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc"),
        (512 * 1024, "af346f0695971672b0972a4310c553743e5a02f229225ae8f699cd9c9d08acf5"),
        (1_000_003, "60066810c7382e821800769d1395b5d0c043f700348100001dfc0154a7e1c3d6"),
    ])
    func matchesTheDefinition(size: Int, expected: String) {
        let fingerprint = FileFingerprint.compute(Self.pattern(size))
        #expect(fingerprint.count == 32)
        #expect(Self.hex(fingerprint) == expected)
    }

    @Test func sizeIsPartOfTheMessage() {
        #expect(Self.hex(FileFingerprint.compute(Array("abc".utf8)))
            == "ce91dc5eec0139adf091900d225971d6ad246a845bad791b5693a9d0d55dd391")
    }

    @Test func copiesAgree() throws {
        let directory = TemporaryDirectory()
        let content = Self.pattern(3 * 1024 * 1024 + 17)
        try Self.write(content, to: directory.path("a.jpg"))
        try Self.write(content, to: directory.path("copy of a.jpg"))
        let first = try FileFingerprint.compute(path: directory.path("a.jpg"))
        #expect(try FileFingerprint.compute(path: directory.path("copy of a.jpg")) == first)
    }

    @Test(arguments: [100, 512 * 1024, 3 * 1024 * 1024])
    func oneChangedByteAtEitherEndIsSeen(size: Int) {
        let original = Self.pattern(size)
        let fingerprint = FileFingerprint.compute(original)
        var atStart = original
        atStart[0] ^= 1
        var atEnd = original
        atEnd[size - 1] ^= 1
        var longer = original
        longer.append(0)
        var shorter = original
        shorter.removeLast()
        #expect(FileFingerprint.compute(atStart) != fingerprint)
        #expect(FileFingerprint.compute(atEnd) != fingerprint)
        #expect(FileFingerprint.compute(longer) != fingerprint)
        #expect(FileFingerprint.compute(shorter) != fingerprint)
    }

    @Test func aChangeInTheMiddleOfALargeFileIsTheAcceptedBlindSpot() {
        let original = Self.pattern(2 * 1024 * 1024)
        var edited = original
        for index in (1024 * 1024)..<(1024 * 1024 + 4096) { edited[index] ^= 0xFF }
        #expect(edited != original)
        #expect(FileFingerprint.compute(edited) == FileFingerprint.compute(original))
    }

    @Test(arguments: [0, 100, 512 * 1024, 512 * 1024 + 1, 2 * 1024 * 1024])
    func pathVariantEqualsBytesVariant(size: Int) throws {
        let directory = TemporaryDirectory()
        let content = Self.pattern(size)
        try Self.write(content, to: directory.path("photo.jpg"))
        let expected = FileFingerprint.compute(content)
        #expect(try FileFingerprint.compute(path: directory.path("photo.jpg")) == expected)
        #expect(try FileFingerprint.compute(path: Array(directory.path("photo.jpg").utf8)) == expected)
    }

    @Test func refusesWhatIsNotARegularFile() throws {
        let directory = TemporaryDirectory()
        let fifo = directory.path("pipe.jpg")
        #expect(mkfifo(fifo, 0o644) == 0)
        // O_NONBLOCK makes the open return at once; the type check refuses before any read.
        #expect(throws: WalkError.unreadable(path: fifo, reason: "not a regular file")) {
            try FileFingerprint.compute(path: fifo)
        }
        #expect(throws: WalkError.unreadable(path: directory.url.path, reason: "not a regular file")) {
            try FileFingerprint.compute(path: directory.url.path)
        }
        do {
            _ = try FileFingerprint.compute(path: directory.path("missing.jpg"))
            Issue.record("a missing file must throw")
        } catch {
            guard case .unreadable(let path, _) = error else { throw error }
            #expect(path == directory.path("missing.jpg"))
        }
    }
}
