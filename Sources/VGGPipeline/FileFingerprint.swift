#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 32-byte content fingerprint that recognises a photo after it was moved, renamed or
/// touched, without reading all of it.
///
/// The fingerprint is SHA-256 over the file size as 8 little-endian bytes, followed by the
/// first 256 KiB and the last 256 KiB of the content (the whole content when the file is at
/// most 512 KiB, so small files are covered completely). Reading at most 512 KiB keeps a
/// rescan of a library of multi-megabyte photos cheap, and the ends are where edits show:
/// JPEG and PNG headers, EXIF and the end of the compressed stream.
///
/// Same content always gives the same fingerprint. The accepted blind spot: two files of the
/// same size over 512 KiB that differ only between their first and last 256 KiB get the same
/// fingerprint. Callers that need certainty compare whole files.
public enum FileFingerprint {
    /// How many bytes are taken from each end of a file larger than `2 * edgeBytes`.
    public static let edgeBytes = 256 * 1024

    /// The fingerprint of content already in memory.
    public static func compute(_ bytes: [UInt8]) -> [UInt8] {
        let size = Int64(bytes.count)
        if bytes.count <= 2 * edgeBytes { return digest(size: size, bytes[...], []) }
        return digest(size: size, bytes[..<edgeBytes], bytes[(bytes.count - edgeBytes)...])
    }

    /// The fingerprint of the regular file at `path`, reading at most `2 * edgeBytes`.
    ///
    /// The file is opened with O_NONBLOCK and checked with `fstat` before any read, so a FIFO
    /// or a device is refused instead of blocking. A symbolic link is followed: the walker
    /// hands out link paths only when the caller asked for links to be followed.
    ///
    /// - Throws: `WalkError.unreadable` when the file cannot be opened or read, is not a
    ///   regular file, or changes size while it is read.
    public static func compute(path: [UInt8]) throws(WalkError) -> [UInt8] {
        let display = WalkEntry.displayString(path)
        guard let cPath = cString(path) else {
            throw .unreadable(path: display, reason: "path contains a NUL byte")
        }
        var descriptor: Int32
        repeat {
            descriptor = open(cPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        if descriptor < 0 { throw .unreadable(path: display, reason: SystemCallError.current.reason) }
        defer { close(descriptor) }

        let stat: FileStat
        switch FileStat.lookUp(descriptor: descriptor) {
        case .failure(let error): throw .unreadable(path: display, reason: error.reason)
        case .success(let (found, type)):
            guard type == .regular else { throw .unreadable(path: display, reason: "not a regular file") }
            stat = found
        }
        guard stat.size <= Int64(Int.max) else { throw .unreadable(path: display, reason: "file too large") }
        let size = Int(stat.size)

        let head = try readFully(descriptor, offset: 0, count: min(size, 2 * edgeBytes), display: display)
        if size <= 2 * edgeBytes { return digest(size: stat.size, head[...], []) }
        let tail = try readFully(descriptor, offset: size - edgeBytes, count: edgeBytes, display: display)
        return digest(size: stat.size, head[..<edgeBytes], tail[...])
    }

    /// The fingerprint of the regular file at a path given as text (its UTF-8 bytes).
    public static func compute(path: String) throws(WalkError) -> [UInt8] {
        try compute(path: Array(path.utf8))
    }

    private static func digest(size: Int64, _ first: ArraySlice<UInt8>, _ second: ArraySlice<UInt8>) -> [UInt8] {
        var hasher = FingerprintSHA256()
        hasher.update(withUnsafeBytes(of: size.littleEndian) { Array($0) }[...])
        hasher.update(first)
        hasher.update(second)
        return hasher.finalize()
    }

    /// Exactly `count` bytes at `offset`, retrying short reads and EINTR; a file that ends
    /// early was truncated while being read, which is reported rather than hashed.
    private static func readFully(_ descriptor: Int32, offset: Int, count: Int, display: String) throws(WalkError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            // Safe: `buffer` holds `count` bytes and `filled < count` inside the loop.
            guard let base = buffer.baseAddress else { return }
            while filled < count {
                let n = pread(descriptor, base + filled, count - filled, off_t(offset + filled))
                if n > 0 {
                    filled += n
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        if failure != 0 { throw .unreadable(path: display, reason: SystemCallError(code: failure).reason) }
        if filled < count { throw .unreadable(path: display, reason: "file changed while being read") }
        return bytes
    }
}

/// SHA-256 (FIPS 180-4) over byte slices, private to the fingerprint so the pipeline does not
/// depend on the model library for one hash.
private struct FingerprintSHA256 {
    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    private var pending: [UInt8] = []
    private var length: UInt64 = 0
    private var schedule = [UInt32](repeating: 0, count: 64)

    mutating func update(_ bytes: ArraySlice<UInt8>) {
        length &+= UInt64(bytes.count)
        var index = bytes.startIndex
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[index..<(index + take)])
            index += take
            if pending.count == 64 {
                compress(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.endIndex - index >= 64 {
            compress(bytes[index..<(index + 64)])
            index += 64
        }
        pending.append(contentsOf: bytes[index...])
    }

    /// The 32-byte digest; the hasher must not be used afterwards.
    mutating func finalize() -> [UInt8] {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        update(tail[...])
        precondition(pending.isEmpty, "padding must end on a block boundary")
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in state {
            for shift in stride(from: 24, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return digest
    }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// One 64-byte block.
    private mutating func compress(_ block: ArraySlice<UInt8>) {
        let base = block.startIndex
        for i in 0..<16 {
            let at = base + i * 4
            schedule[i] = UInt32(block[at]) << 24 | UInt32(block[at + 1]) << 16
                | UInt32(block[at + 2]) << 8 | UInt32(block[at + 3])
        }
        for i in 16..<64 {
            let s0 = rotr(schedule[i - 15], 7) ^ rotr(schedule[i - 15], 18) ^ (schedule[i - 15] >> 3)
            let s1 = rotr(schedule[i - 2], 17) ^ rotr(schedule[i - 2], 19) ^ (schedule[i - 2] >> 10)
            schedule[i] = schedule[i - 16] &+ s0 &+ schedule[i - 7] &+ s1
        }
        var (a, b, c, d) = (state[0], state[1], state[2], state[3])
        var (e, f, g, h) = (state[4], state[5], state[6], state[7])
        for i in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ choice &+ Self.k[i] &+ schedule[i]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            (h, g, f, e) = (g, f, e, d &+ t1)
            (d, c, b, a) = (c, b, a, t1 &+ s0 &+ majority)
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }
}

@inline(__always)
private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
