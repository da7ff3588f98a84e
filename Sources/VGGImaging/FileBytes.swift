import VGGCommon

/// Reads whole image files with plain POSIX calls, refusing anything that is not a regular
/// file before a byte is read: a FIFO or device named `.jpg` must not block the caller.
enum FileBytes {
    /// The bytes of the regular file at `path`, at most `limit` of them.
    static func read(path: String, limit: Int) throws(ImagingError) -> [UInt8] {
        try read(pathBytes: ArgumentBytes.bytes(of: path), displayPath: path, limit: limit)
    }

    /// The same for a path given as raw file-system bytes (names need not be UTF-8);
    /// `displayPath` names the file in errors.
    static func read(pathBytes: [UInt8], displayPath path: String, limit: Int) throws(ImagingError) -> [UInt8] {
        let file: RegularFile
        do throws(RegularFile.Failure) {
            file = try RegularFile(path: pathBytes)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        if file.size == 0 { throw .empty(path: path) }
        if file.size > limit { throw .fileTooLarge(path: path, bytes: file.size, limit: limit) }
        let bytes: [UInt8]
        do throws(RegularFile.Failure) {
            // A file that shrank while being read keeps what it had.
            bytes = try file.read(at: 0, count: file.size)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        if bytes.isEmpty { throw .empty(path: path) }
        return bytes
    }
}
