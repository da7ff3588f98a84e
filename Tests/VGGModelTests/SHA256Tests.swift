import Foundation
import VGGCommon
import Testing
import VGGModel
import _VGGTestSupport

@Suite("SHA-256")
struct SHA256Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(_ message: String, _ digest: String) {
        var hasher = SHA256()
        hasher.update(Array(message.utf8))
        #expect(hasher.finalizeHex() == digest)
    }

    @Test func millionAsInOddChunks() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 999)
        var remaining = 1_000_000
        while remaining > 0 {
            let n = min(remaining, chunk.count)
            hasher.update(chunk[0..<n])
            remaining -= n
        }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fileDigestAndCache() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("w.bin")
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hexDigest(ofFile: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let cache = WeightsHashCache(directory: directory.path("cache"))
        #expect(try cache.sha256(of: path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(FileManager.default.fileExists(atPath: cache.file))
        // A changed file (new size and time) is hashed again, not served from the cache.
        try Data("abcd".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try cache.sha256(of: path) == "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589")
    }
}

@Suite("MD5")
struct MD5Tests {
    // RFC 1321 appendix A.5.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func knownVectors(_ message: String, _ digest: String) {
        var hasher = MD5()
        hasher.update(Array(message.utf8))
        #expect(hasher.finalizeHex() == digest)
    }

    @Test func chunkedFilesHashLikeOneBuffer() throws {
        let directory = TemporaryDirectory()
        var random = SplitMix64(seed: 4)
        let bytes = (0..<(9 << 20) + 123).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let path = directory.path("file")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var whole = MD5()
        var pieces = MD5()
        whole.update(bytes)
        for start in stride(from: 0, to: bytes.count, by: 1000) { pieces.update(Array(bytes[start..<min(start + 1000, bytes.count)])) }
        let expected = whole.finalizeHex()
        #expect(pieces.finalizeHex() == expected)
        #expect(try MD5.hexDigest(ofFile: path) == expected)
    }
}
