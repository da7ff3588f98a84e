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
        guard !path.contains(0) else { throw .unreadable(path: display, reason: "path contains a NUL byte") }
        do throws(RegularFile.Failure) {
            let file = try RegularFile(path: path)
            let size = file.size
            let head = try file.read(at: 0, count: min(size, 2 * edgeBytes))
            // A file that ends early was truncated while being read: reported, not hashed.
            guard head.count == min(size, 2 * edgeBytes) else { throw RegularFile.Failure.system(reason: "file changed while being read") }
            if size <= 2 * edgeBytes { return digest(size: Int64(size), head[...], []) }
            let tail = try file.read(at: size - edgeBytes, count: edgeBytes)
            guard tail.count == edgeBytes else { throw RegularFile.Failure.system(reason: "file changed while being read") }
            return digest(size: Int64(size), head[..<edgeBytes], tail[...])
        } catch .directory {
            throw .unreadable(path: display, reason: "not a regular file")
        } catch {
            throw .unreadable(path: display, reason: error.reason)
        }
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
}
