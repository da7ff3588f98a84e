#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file opened for reading with plain POSIX calls, the one way vggbatch opens the
/// files it reads (photos, weights, fingerprints): O_NONBLOCK, so that a FIFO or a device
/// named like a photo cannot block `open`, and `fstat` before a byte is read, so that
/// anything but a regular file is refused. Closed when released.
public final class RegularFile {
    /// Why a file could not be opened or read.
    public enum Failure: Error, Equatable {
        /// A system call failed; `reason` is its `strerror` text.
        case system(reason: String)
        /// The path names a directory.
        case directory
        /// The path names something other than a regular file or a directory.
        case notRegular
        /// Nothing is at the path (ENOENT).
        case missing

        public var reason: String {
            switch self {
            case .system(let reason): return reason
            case .missing: return String(cString: strerror(ENOENT))
            case .directory: return "a directory"
            case .notRegular: return "not a regular file"
            }
        }

        /// The error of the call that just failed.
        static var current: Failure { .system(reason: String(cString: strerror(errno))) }
    }

    public let descriptor: Int32
    /// The size `fstat` reported when the file was opened.
    public let size: Int
    /// The raw `stat` of the open file.
    public let info: stat

    /// Opens the file at raw path bytes (names need not be UTF-8).
    public init(path: [UInt8]) throws(Failure) {
        var descriptor: Int32 = -1
        repeat {
            descriptor = (path + [0]).withUnsafeBufferPointer { buffer -> Int32 in
                // Safe: the buffer is NUL-terminated and lives for the call.
                guard let base = buffer.baseAddress else { return -1 }
                return open(UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            }
        } while descriptor < 0 && errno == EINTR
        if descriptor < 0 { throw errno == ENOENT ? .missing : .current }
        var info = stat()
        var status: Int32
        repeat { status = fstat(descriptor, &info) } while status != 0 && errno == EINTR
        if status != 0 {
            let failure = Failure.current
            close(descriptor)
            throw failure
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw info.st_mode & S_IFMT == S_IFDIR ? .directory : .notRegular
        }
        guard info.st_size <= off_t(Int.max) else {
            close(descriptor)
            throw .system(reason: "file too large")
        }
        self.descriptor = descriptor
        self.info = info
        size = Int(info.st_size)
    }

    /// Opens the file at a path given as text.
    public convenience init(path: String) throws(Failure) {
        try self.init(path: ArgumentBytes.bytes(of: path))
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from `offset`, retrying short reads and EINTR; fewer only when the
    /// file ends first (it shrank since it was opened).
    public func read(at offset: Int, count: Int) throws(Failure) -> [UInt8] {
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
        if failure != 0 { throw .system(reason: String(cString: strerror(failure))) }
        if filled < count { bytes.removeLast(count - filled) }
        return bytes
    }

    /// The whole file from its start to its end as it is now, handed to `body` in pieces of
    /// up to `chunkSize` bytes read into one buffer (for checksums of large files).
    public func readAll(chunkSize: Int = 4 << 20, _ body: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { chunk.deallocate() }
        var offset = 0
        while true {
            let n = pread(descriptor, chunk.baseAddress, chunk.count, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw .current
            }
            if n == 0 { return }
            body(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            offset += n
        }
    }

    /// The whole file mapped read-only (`munmap` it when done); nil when it cannot be mapped.
    public func map() -> UnsafeRawBufferPointer? {
        guard size > 0, let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else { return nil }
        return UnsafeRawBufferPointer(start: base, count: size)
    }
}
