#if canImport(Glibc)
import VGGSQL
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VGGIndexTypes

/// An exclusive lock that one scan holds on an index for its whole run (a lock file beside
/// the database, `flock`ed), so a second scan fails at once with a clear message instead of
/// waiting on SQLite's busy timeout. Released by `release`, when this object goes, or when
/// the process dies, however it dies.
public final class ScanLock {
    /// The lock file's descriptor, -1 once released.
    private var descriptor: Int32
    private let lockPath: String
    /// Whether this lock made its file (none was there).
    private let madeFile: Bool

    /// Takes the lock for the index at `databasePath`, or throws `.locked` right away.
    public init(databasePath: String) throws(StoreError) {
        lockPath = databasePath + ".scan-lock"
        var fd = open(lockPath, O_RDWR | O_CLOEXEC)
        madeFile = fd < 0 && errno == ENOENT
        if madeFile { fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        if fd < 0 {
            let code = errno
            // The lock lives beside the index: a folder nobody may write to means an index
            // that cannot be written either, which is what the user needs to hear.
            if code == EROFS || code == EACCES || code == EPERM { throw .readOnly(path: databasePath) }
            throw .cannotOpen(path: lockPath, reason: String(cString: strerror(code)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw .locked(path: databasePath, reason: "another vggbatch is writing to this index (a scan, an import or an index build); try again when it ends")
        }
        descriptor = fd
    }

    /// Whether a scan holds the lock on the index at `databasePath` right now. Reads only
    /// (the lock file is opened read-only and a missing one means no scan), so it works on
    /// an index on a read-only medium; a run recorded as running without its lock held was
    /// left by a process that died.
    public static func isHeld(databasePath: String) -> Bool {
        let fd = open(databasePath + ".scan-lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// Removes the lock file if this lock made it, for an open that failed (a file that is
    /// not an index gets no lock file beside it). Still held while it goes, so no other
    /// writer holds the file removed.
    public func removeFileIfMade() {
        if madeFile { unlink(lockPath) }
    }

    /// Gives the lock up (once; later calls do nothing).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
