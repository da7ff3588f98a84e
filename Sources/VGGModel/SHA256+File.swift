#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VGGCommon

extension SHA256 {
    /// SHA-256 of a whole file, read in 4 MiB chunks.
    public static func hexDigest(ofFile path: String) throws(ModelError) -> String {
        var hasher = SHA256()
        try FileChunks.read(path) { hasher.update($0) }
        return hasher.finalizeHex()
    }
}

extension MD5 {
    /// MD5 of a whole file, read in 4 MiB chunks.
    public static func hexDigest(ofFile path: String) throws(ModelError) -> String {
        var hasher = MD5()
        try FileChunks.read(path) { hasher.update($0) }
        return hasher.finalizeHex()
    }
}

/// A whole file handed over in chunks, for checksums.
enum FileChunks {
    static func read(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(ModelError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { chunk.deallocate() }
        while true {
            let n = Glibc.read(fd, chunk.baseAddress, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            body(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        }
    }
}
