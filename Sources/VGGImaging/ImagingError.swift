/// Why one image could not be turned into a network input. Every case names the file and
/// says in plain words what is wrong with it; callers record it and go on to the next file.
public enum ImagingError: Error, Equatable, Sendable {
    /// The file could not be read (missing, a directory, permission denied, I/O error).
    case unreadable(path: String, reason: String)
    /// The file has no bytes.
    case empty(path: String)
    /// The file is larger than the byte limit, so it is not read at all.
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    /// The first bytes match no format vggbatch reads.
    case unknownFormat(path: String, magic: String)
    /// The header announces more pixels than the configured limit (a decompression bomb or
    /// a panorama beyond what the user allowed). Checked before any pixel buffer exists.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// A valid file of a kind vggbatch deliberately does not decode (12-bit JPEG, Apple CgBI PNG).
    case unsupported(path: String, reason: String)
    /// The file ends before the image data does.
    case truncated(path: String, reason: String)
    /// The header or the compressed data is damaged.
    case corrupt(path: String, reason: String)

    /// The file this error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path), .fileTooLarge(let path, _, _),
            .unknownFormat(let path, _), .tooLarge(let path, _, _, _), .unsupported(let path, _),
            .truncated(let path, _), .corrupt(let path, _):
            return path
        }
    }

    /// One line for a person, without the path (callers print the path beside it).
    public var reason: String {
        switch self {
        case .unreadable(_, let reason): return "cannot read file: \(reason)"
        case .empty: return "empty file (0 bytes)"
        case .fileTooLarge(_, let bytes, let limit):
            return "file is \(bytes) bytes, over the \(limit)-byte limit"
        case .unknownFormat(_, let magic): return "not a JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW file (starts with \(magic))"
        case .tooLarge(_, let width, let height, let limit):
            return "image is \(width)x\(height) = \(width * height) pixels, over the limit of \(limit) (see --max-pixels)"
        case .unsupported(_, let reason): return "unsupported: \(reason)"
        case .truncated(_, let reason): return "truncated: \(reason)"
        case .corrupt(_, let reason): return "corrupt: \(reason)"
        }
    }

    /// A short stable word for the kind of failure, for storage and JSON.
    public var kind: String {
        switch self {
        case .unreadable: return "unreadable"
        case .empty: return "empty"
        case .fileTooLarge: return "file-too-large"
        case .unknownFormat: return "unknown-format"
        case .tooLarge: return "too-large"
        case .unsupported: return "unsupported"
        case .truncated: return "truncated"
        case .corrupt: return "corrupt"
        }
    }
}

extension ImagingError: CustomStringConvertible {
    public var description: String { "\(path): \(reason)" }
}
