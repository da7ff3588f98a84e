import VGGIndexTypes
import VGGCommon

/// One thing a `DirectoryWalker` found worth reporting: a candidate file, or a place it
/// could not or would not go.
///
/// Paths are raw bytes because file names on Linux are bytes, not text: a name that is not
/// valid UTF-8 must still be indexed and opened again byte for byte. Use `displayPath` or
/// `PathBytes.display(_:)` to show one to a person.
public struct WalkEntry: Sendable, Equatable {
    /// What was found at the path.
    public enum Kind: Sendable, Equatable {
        /// A regular file whose name has one of the wanted extensions. For a followed
        /// symbolic link the record describes the target.
        case file(FileStat)
        /// A directory that could not be opened or read, a file that could not be
        /// stat'ed, a dangling symbolic link. Recorded so the user can see it; never fatal.
        case unreadable(reason: String)
        /// Deliberately not walked or not a candidate: a symbolic link while links are not
        /// followed, a loop, a directory already walked, a directory beyond the depth
        /// limit, or something that is not a regular file but has an image name.
        case skipped(reason: String)
        /// A regular file named as an image in a format vggbatch does not read (GIF, BMP,
        /// PSD...): `format` names it.
        case unsupportedFormat(format: String)
    }

    public var kind: Kind
    /// The path below the root, components joined by "/", without a leading "./".
    public var relativePath: [UInt8]
    /// The root as given (made absolute against the working directory when it was
    /// relative) joined with `relativePath`; symbolic links in it are not resolved.
    public var absolutePath: [UInt8]

    /// Whether image files may lie below this skipped place unseen (a directory beyond the
    /// depth limit, reached twice, or behind a link not followed): what the index holds
    /// under it must not be taken as gone.
    public var hidesFiles: Bool

    public init(kind: Kind, relativePath: [UInt8], absolutePath: [UInt8], hidesFiles: Bool = false) {
        self.kind = kind
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.hidesFiles = hidesFiles
    }

    /// `relativePath` for a person to read; see `PathBytes.display`.
    public var displayPath: String { PathBytes.display(relativePath) }

    /// `absolutePath` for a person to read (see `PathBytes.display`).
    public var displayAbsolutePath: String { PathBytes.display(absolutePath) }
}
