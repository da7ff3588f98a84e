#if canImport(Glibc)
import VGGIndexTypes
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VGGCommon

// MARK: - The stat calls, wrapped in one place

/// The type bits of `st_mode`, reduced to what the walker decides on.
enum FileType: Equatable {
    case regular, directory, symlink, other
}

/// A failed system call: `errno` and its text, kept together so reasons read the same
/// everywhere.
struct SystemCallError: Error, Equatable {
    var code: Int32

    var reason: String { String(cString: strerror(code)) }

    /// The error of the call that just failed.
    static var current: SystemCallError { SystemCallError(code: errno) }
}

extension FileStat {
    /// Builds the public record from a raw `stat`.
    init(_ info: stat) {
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        let (scaled, overflow) = Int64(time.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
        let nanoseconds: Int64
        if overflow {
            nanoseconds = time.tv_sec < 0 ? .min : .max
        } else {
            let (sum, sumOverflow) = scaled.addingReportingOverflow(Int64(time.tv_nsec))
            nanoseconds = sumOverflow ? .max : sum
        }
        self.init(
            size: Int64(info.st_size),
            mtimeNanoseconds: nanoseconds,
            inode: UInt64(truncatingIfNeeded: info.st_ino),
            device: UInt64(truncatingIfNeeded: info.st_dev))
    }

    /// `lstat` or `stat` of a raw path, retried on EINTR. Never opens the file, so a FIFO
    /// or a device cannot block here.
    static func lookUp(_ path: [UInt8], followingSymlinks: Bool) -> Result<(FileStat, FileType), SystemCallError> {
        guard let cPath = cString(path) else { return .failure(SystemCallError(code: EINVAL)) }
        var info = stat()
        while true {
            let status = followingSymlinks ? stat(cPath, &info) : lstat(cPath, &info)
            if status == 0 { return .success((FileStat(info), fileType(info.st_mode))) }
            if errno != EINTR { return .failure(.current) }
        }
    }

    /// `fstat` of an open descriptor, retried on EINTR.
    static func lookUp(descriptor: Int32) -> Result<(FileStat, FileType), SystemCallError> {
        var info = stat()
        while true {
            if fstat(descriptor, &info) == 0 { return .success((FileStat(info), fileType(info.st_mode))) }
            if errno != EINTR { return .failure(.current) }
        }
    }

    static func fileType(_ mode: mode_t) -> FileType {
        switch mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }
}

/// Raw path bytes as a NUL-terminated C string, or nil when the bytes contain a NUL
/// (no file can have such a name, and passing it on would silently name another file).
func cString(_ path: [UInt8]) -> [CChar]? {
    if path.contains(0) { return nil }
    var result = path.map { CChar(bitPattern: $0) }
    result.append(0)
    return result
}

extension FileStat {
    /// What `stat` (following symbolic links) says about the file at `path`; nil when there
    /// is nothing there or it cannot be looked up.
    public static func of(_ path: [UInt8]) -> FileStat? {
        try? lookUp(path, followingSymlinks: true).get().0
    }
}
