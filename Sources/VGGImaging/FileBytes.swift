#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reads whole image files with plain POSIX calls, refusing anything that is not a regular
/// file before a byte is read: a FIFO or device named `.jpg` must not block the caller.
enum FileBytes {
    /// The bytes of the regular file at `path`, at most `limit` of them.
    static func read(path: String, limit: Int) throws(ImagingError) -> [UInt8] {
        try read(pathBytes: Array(path.utf8), displayPath: path, limit: limit)
    }

    /// The same for a path given as raw file-system bytes (names need not be UTF-8);
    /// `displayPath` names the file in errors.
    static func read(pathBytes: [UInt8], displayPath path: String, limit: Int) throws(ImagingError) -> [UInt8] {
        let cPath = (pathBytes + [0]).map { CChar(bitPattern: $0) }
        // Safe: cPath is NUL-terminated and lives for the call.
        let fd = cPath.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) } ?? -1
        }
        if fd < 0 { throw .unreadable(path: path, reason: errnoText()) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw .unreadable(path: path, reason: errnoText()) }
        if (info.st_mode & S_IFMT) != S_IFREG {
            let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw .unreadable(path: path, reason: kind)
        }
        let size = Int(info.st_size)
        if size == 0 { throw .empty(path: path) }
        if size > limit { throw .fileTooLarge(path: path, bytes: size, limit: limit) }

        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            // Safe: `buffer` holds `size` bytes and `filled < size` inside the loop.
            guard let base = buffer.baseAddress else { return }
            while filled < size {
                let n = systemRead(fd, base + filled, size - filled)
                if n > 0 {
                    filled += n
                } else if n == 0 {
                    break  // the file shrank while being read
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        if failure != 0 { throw .unreadable(path: path, reason: String(cString: strerror(failure))) }
        if filled == 0 { throw .empty(path: path) }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
