#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output without stdio's buffer, so a reader at the end of a pipe gets
/// each line as soon as it is written.
enum StandardOutput {
    struct Closed: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    static func write(_ text: String) throws { try write(bytes: Array(text.utf8)) }

    static func write(bytes: [UInt8]) throws {
        // A reader that went away is an error to report, not a signal that kills the process.
        signal(SIGPIPE, SIG_IGN)
        var bytes = bytes
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Closed(reason: "cannot write the results to standard output (\(String(cString: strerror(errno))))")
            }
            offset += written
        }
    }
}
