import Foundation

/// File paths as the raw bytes the file system uses (names need not be UTF-8), and the few
/// operations on them that scanning, searching and the index share: one implementation each.
public enum PathBytes {
    public static let slash = UInt8(ascii: "/")

    /// The absolute, symlink-resolved form of a command-line path. Of a path that does not
    /// exist (a folder removed since it was indexed), the part that exists is resolved as the
    /// kernel would and the rest is taken as written, without "." or empty components and
    /// with ".." removing the component before it, so callers can still report it or find it
    /// among stored paths.
    public static func absolute(_ argument: String) -> [UInt8] { absolute(bytes: ArgumentBytes.bytes(of: argument)) }

    /// A path as written, made absolute against the current directory without resolving
    /// anything (a path of a result line, found among stored paths as it was written).
    public static func anchored(_ bytes: [UInt8]) -> [UInt8] {
        bytes.first == slash ? bytes : join(workingDirectory() ?? Array(FileManager.default.currentDirectoryPath.utf8), bytes)
    }

    /// The working directory's bytes (`getcwd`: a name that is not UTF-8 stays as it is);
    /// nil when it cannot be told (removed, or out of reach).
    public static func workingDirectory() -> [UInt8]? {
        // Safe: with a nil buffer glibc and Darwin allocate one of the needed size, which is
        // copied and then freed here.
        guard let buffer = getcwd(nil, 0) else { return nil }
        defer { free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: strlen(buffer)))
    }

    /// `path` without empty and "." components; ".." is kept, since resolving it without the
    /// file system could be wrong (it may follow a link).
    public static func tidied(_ path: [UInt8]) -> [UInt8] {
        var result = [UInt8]()
        for component in path.split(separator: slash) where !component.elementsEqual([UInt8(ascii: ".")]) {
            result.append(slash)
            result.append(contentsOf: component)
        }
        return result.isEmpty ? [slash] : result
    }

    /// `absolute` of a path given as bytes (a line of a list of paths, which need not be UTF-8).
    public static func absolute(bytes: [UInt8]) -> [UInt8] {
        let whole = anchored(bytes)
        if !whole.contains(0), let resolved = realPath(whole) { return resolved }
        // Component by component: resolved while each exists, as written after the first
        // that does not.
        var path = [UInt8]()
        var exists = !whole.contains(0)
        for component in whole.split(separator: slash, omittingEmptySubsequences: true) {
            if component.elementsEqual(".".utf8) { continue }
            if component.elementsEqual("..".utf8) {
                path = Array(path[..<(path.lastIndex(of: slash) ?? 0)])
                continue
            }
            path += [slash] + component
            if exists {
                if let resolved = realPath(path) { path = resolved } else { exists = false }
            }
        }
        return path.isEmpty ? [slash] : path
    }

    /// `realpath` of `path` (no NUL in it), nil when it cannot be resolved.
    private static func realPath(_ path: [UInt8]) -> [UInt8]? {
        let resolved = (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { realpath($0.baseAddress!, nil) } }
        guard let resolved else { return nil }
        defer { free(resolved) }
        // Safe: realpath returns a NUL-terminated string it allocated; copied, then freed.
        return Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
    }

    /// Whether `path` is `folder` or lies below it (component-wise: "/a/bc" is not in "/a/b").
    public static func isWithin(_ path: [UInt8], folder: [UInt8]) -> Bool {
        relative(path, to: folder) != nil
    }

    /// `path` relative to `folder`: empty when they are equal, nil when `path` is not within it.
    public static func relative(_ path: [UInt8], to folder: [UInt8]) -> [UInt8]? {
        if path == folder { return [] }
        if folder == [slash] { return path.first == slash ? Array(path.dropFirst()) : nil }
        guard path.count > folder.count + 1, path.starts(with: folder), path[folder.count] == slash else { return nil }
        return Array(path[(folder.count + 1)...])
    }

    /// The folder `path` is in ("/" for a top-level name, empty for a name without a slash).
    public static func parent(_ path: [UInt8]) -> [UInt8] {
        guard let last = path.lastIndex(of: slash) else { return [] }
        return last == 0 ? [slash] : Array(path[..<last])
    }

    /// The last component of `path` (all of it without a slash).
    public static func lastComponent(_ path: [UInt8]) -> [UInt8] {
        guard let last = path.lastIndex(of: slash) else { return path }
        return Array(path[(last + 1)...])
    }

    /// `parent` + "/" + `child`, without doubling the slash of "/" and without a trailing
    /// slash for an empty child.
    public static func join(_ parent: [UInt8], _ child: [UInt8]) -> [UInt8] {
        if child.isEmpty { return parent }
        if parent.isEmpty { return child }
        return parent.last == slash ? parent + child : parent + [slash] + child
    }

    /// The paths with repeats dropped and every path inside another one left out (its files
    /// are reached through the outer one), in the order first given.
    public static func outermost(_ paths: [[UInt8]]) -> [[UInt8]] {
        var kept: [[UInt8]] = []
        for path in paths {
            if kept.contains(where: { isWithin(path, folder: $0) }) { continue }
            kept.removeAll { isWithin($0, folder: path) }
            kept.append(path)
        }
        return kept
    }

    /// Every byte outside the unreserved set (RFC 3986) and "/" as %XX: a path that is
    /// safe inside a URL or an SQLite URI whatever bytes its names hold.
    public static func percentEncoded(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        var result = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), slash:
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
            }
        }
        return result
    }

    /// What a path is, without following a final symbolic link only when asked.
    public enum Kind: Equatable, Sendable { case directory, file, other, missing }

    /// The kind of the file at `path` (following symbolic links).
    public static func kind(_ path: [UInt8]) -> Kind {
        var info = stat()
        let found = (path + [0]).withUnsafeBufferPointer { buffer -> Bool in
            // Safe: the buffer is NUL-terminated and lives for the call.
            buffer.baseAddress.map { stat(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self), &info) == 0 } ?? false
        }
        guard found else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    /// `kind` for a path given as text.
    public static func kind(_ path: String) -> Kind { kind(ArgumentBytes.bytes(of: path)) }

    /// Whether something is at a path, telling "nothing there" from "cannot tell".
    public enum Presence: Equatable, Sendable {
        case directory
        /// Anything else: a file, a link, a FIFO.
        case other
        /// Nothing: the look-up failed with ENOENT or ENOTDIR.
        case gone
        /// The look-up failed otherwise (permissions, I/O): nothing is known.
        case unknown
    }

    /// What is at `path`; a final symbolic link is followed only when `followingSymlinks` is set.
    public static func presence(_ path: [UInt8], followingSymlinks: Bool = false) -> Presence {
        var info = stat()
        while true {
            let status = (path + [0]).withUnsafeBufferPointer { buffer -> Int32 in
                // Safe: the buffer is NUL-terminated and lives for the call.
                guard let base = buffer.baseAddress else { return -1 }
                let name = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                return followingSymlinks ? stat(name, &info) : lstat(name, &info)
            }
            if status == 0 { return info.st_mode & S_IFMT == S_IFDIR ? .directory : .other }
            if errno == EINTR { continue }
            return errno == ENOENT || errno == ENOTDIR ? .gone : .unknown
        }
    }

    /// The exact bytes as base64, for machine-readable output of a name that is not UTF-8.
    public static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The exact bytes as base64 when they are not UTF-8, else empty: the CSV column beside
    /// `text(_:)` that makes every name unambiguous.
    public static func base64UnlessText(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self) == nil ? base64(bytes) : ""
    }

    /// The bytes as text for machine-readable output (JSON, CSV): exact when they are UTF-8,
    /// so a newline in a name stays a newline for the format to escape; names that are not
    /// UTF-8 get the display form's `\xNN` escapes (see `display`).
    public static func text(_ bytes: [UInt8]) -> String {
        if let exact = String(validating: bytes, as: UTF8.self) { return exact }
        return display(bytes)
    }

    /// Path bytes as readable one-line text that still names exactly one byte sequence.
    ///
    /// Valid UTF-8 is shown as is. Each byte of an invalid sequence becomes `\xNN`, and so
    /// does each control character (a newline in a name must not break a line of output);
    /// a backslash becomes `\\`, so an escape can never be confused with a name that
    /// happens to contain the same characters.
    public static func display(_ bytes: [UInt8]) -> String {
        var text = ""
        text.reserveCapacity(bytes.count)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar == "\\" {
                    text += "\\\\"
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    appendEscape(UInt8(scalar.value), to: &text)
                } else {
                    text.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for byte in bytes[offset..<(offset + length)] { appendEscape(byte, to: &text) }
                offset += length
            case .emptyInput:
                break loop
            }
        }
        return text
    }

    private static func appendEscape(_ byte: UInt8, to text: inout String) {
        let digits = Array("0123456789abcdef")
        text += "\\x"
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0xF)])
    }
}
