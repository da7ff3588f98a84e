import VGGIndexTypes
import VGGCommon
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
        let display = PathBytes.display(path)
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
        var hasher = SHA256()
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
