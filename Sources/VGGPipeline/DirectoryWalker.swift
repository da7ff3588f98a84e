import VGGIndexTypes
import VGGCommon

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks one directory tree depth-first in a fixed order and yields the image files in it,
/// plus every place it could not or would not go.
///
/// The order depends only on the tree: each directory's names are sorted by their raw bytes
/// and files and subdirectories are visited interleaved in that order, so two runs over the
/// same tree give the same sequence on any machine. Memory grows with depth times directory
/// width, never with the size of the tree: one sorted listing is held per open level.
///
/// Nothing is ever opened except directories: files are only stat'ed, so a FIFO or a device
/// with an image name cannot block the walk. Symbolic links are reported and left alone
/// unless `WalkOptions.followSymlinks` is set; then loops and directories reached twice are
/// recognised by device and inode and each real directory is walked once (by whichever path
/// comes first in the order). A folder holding `GeneratedFolder.markerName` (a report or
/// thumbnails vggbatch wrote) is not entered. Problems are entries, not errors: only an
/// unusable root throws.
///
/// The walker is its own iterator and can be iterated once.
public final class DirectoryWalker: Sequence, IteratorProtocol {
    /// The options the walk was started with.
    public let options: WalkOptions
    /// The root as an absolute path with "." components and repeated or trailing slashes
    /// removed; symbolic links in it are not resolved.
    public let rootPath: [UInt8]
    /// Counts of what was found so far, including what the policy skipped silently.
    public private(set) var summary = WalkSummary()

    private struct DirectoryIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private struct Child {
        var name: [UInt8]
        /// From `d_type`; nil when the file system does not say.
        var type: FileType?
    }

    private struct Frame {
        var relativePath: [UInt8]
        var absolutePath: [UInt8]
        var depth: Int
        var identity: DirectoryIdentity
        var children: [Child]
        var next = 0
    }

    private let extensionKeys: Set<[UInt8]>
    private static let markerName = Array(GeneratedFolder.markerName.utf8)
    private var stack: [Frame] = []
    /// Directories on the path from the root to the current one: reaching one again is a loop.
    private var ancestors: Set<DirectoryIdentity> = []
    /// Every directory walked, kept only while following links (the one way a directory can
    /// be reached twice without a loop); this is the one structure that grows with the tree.
    private var visited: Set<DirectoryIdentity> = []

    /// Starts a walk at `root`, which must be an existing, readable directory (a symbolic
    /// link to one is accepted: the root is the caller's explicit choice).
    ///
    /// - Throws: `WalkError.rootUnavailable` when it is missing, not a directory or cannot
    ///   be listed; callers rely on this to tell an unmounted drive from an emptied one.
    public init(root: [UInt8], options: WalkOptions = WalkOptions()) throws(WalkError) {
        precondition(options.maxDepth >= 0, "maxDepth must not be negative")
        self.options = options
        self.extensionKeys = options.extensionKeys
        let display = PathBytes.display(root)
        guard !root.isEmpty else { throw .rootUnavailable(path: display, reason: "empty path") }
        guard let absolute = Self.absolute(root) else {
            throw .rootUnavailable(path: display, reason: "cannot find the working directory")
        }
        rootPath = absolute
        let descriptor: Int32
        let identity: DirectoryIdentity
        switch Self.openDirectory(absolute, followingLink: true) {
        case .failure(let error): throw .rootUnavailable(path: display, reason: error.reason)
        case .success(let opened): (descriptor, identity) = opened
        }
        let listing = Self.readChildren(consuming: descriptor)
        if let error = listing.error { throw .rootUnavailable(path: display, reason: error.reason) }
        stack.append(Frame(
            relativePath: [], absolutePath: absolute, depth: 0, identity: identity, children: listing.children))
        ancestors.insert(identity)
        if options.followSymlinks { visited.insert(identity) }
        summary.directories = 1
    }

    /// Starts a walk at a root given as text (its UTF-8 bytes).
    public convenience init(root: String, options: WalkOptions = WalkOptions()) throws(WalkError) {
        try self.init(root: Array(root.utf8), options: options)
    }

    /// The next entry in walk order, or nil when the tree is exhausted.
    public func next() -> WalkEntry? {
        while let top = stack.indices.last {
            if stack[top].next == stack[top].children.count {
                ancestors.remove(stack[top].identity)
                stack.removeLast()
                continue
            }
            let child = stack[top].children[stack[top].next]
            stack[top].next += 1
            if let entry = visit(child, parent: top) { return entry }
        }
        return nil
    }

    // MARK: - Deciding on one name

    private func visit(_ child: Child, parent: Int) -> WalkEntry? {
        let name = child.name
        if !options.includeHidden {
            // Policy, not trouble: counted, never reported one by one.
            if name.first == UInt8(ascii: ".") {
                summary.hiddenSkipped += 1
                return nil
            }
            if WalkOptions.systemFolderNames.contains(name) {
                summary.systemSkipped += 1
                return nil
            }
        }
        let frame = stack[parent]
        let relative = PathBytes.join(frame.relativePath, name)
        let absolute = PathBytes.join(frame.absolutePath, name)
        let place = Place(relative: relative, absolute: absolute, depth: frame.depth + 1)
        let matches = WalkOptions.name(name, hasExtensionIn: extensionKeys)

        // A candidate is always lstat'ed (its size and time are wanted); anything else only
        // when `d_type` does not say whether it is a directory.
        var type = child.type
        var info: FileStat?
        if type == nil || (matches && type != .directory && type != .symlink) {
            switch FileStat.lookUp(absolute, followingSymlinks: false) {
            case .failure(let error):
                return unreadable(place, error.reason)
            case .success(let (stat, found)):
                type = found
                info = stat
            }
        }
        switch type {
        case .directory:
            return enter(place, viaSymlink: false)
        case .symlink:
            return visitSymlink(place, matches: matches)
        case .regular:
            if matches, let info { return file(place, info) }
            if let format = WalkOptions.unsupportedFormat(of: name) {
                return WalkEntry(kind: .unsupportedFormat(format: format), relativePath: place.relative, absolutePath: place.absolute)
            }
        case .other, nil:
            if matches { return skipped(place, "not a regular file") }
        }
        summary.otherFilesIgnored += 1
        return nil
    }

    private func visitSymlink(_ place: Place, matches: Bool) -> WalkEntry? {
        let target = FileStat.lookUp(place.absolute, followingSymlinks: true)
        guard options.followSymlinks else {
            // Only links that could have mattered are worth a line: to a directory, or
            // with an image name. The target is stat'ed, never opened.
            if case .success(let (_, type)) = target, type == .directory {
                return skipped(place, "symlink (use --follow-symlinks)", hidesFiles: true)
            }
            if matches { return skipped(place, "symlink (use --follow-symlinks)") }
            summary.otherFilesIgnored += 1
            return nil
        }
        switch target {
        case .failure(let error) where error.code == ELOOP:
            return skipped(place, "symlink loop")
        case .failure(let error) where error.code == ENOENT:
            return unreadable(place, "dangling symlink")
        case .failure(let error):
            return unreadable(place, "symlink target: \(error.reason)")
        case .success((_, .directory)):
            return enter(place, viaSymlink: true)
        case .success(let (stat, .regular)):
            if matches { return file(place, stat) }
        case .success:
            if matches { return skipped(place, "not a regular file") }
        }
        summary.otherFilesIgnored += 1
        return nil
    }

    private func enter(_ place: Place, viaSymlink: Bool) -> WalkEntry? {
        if place.depth > options.maxDepth { return skipped(place, "too deep", hidesFiles: true) }
        let descriptor: Int32
        let identity: DirectoryIdentity
        switch Self.openDirectory(place.absolute, followingLink: viaSymlink) {
        case .failure(let error): return unreadable(place, error.reason)
        case .success(let opened): (descriptor, identity) = opened
        }
        // Checked before listing, so a loop costs one open and no directory read.
        if ancestors.contains(identity) {
            close(descriptor)
            return skipped(place, viaSymlink ? "symlink loop" : "directory loop")
        }
        if options.followSymlinks, visited.contains(identity) {
            close(descriptor)
            return skipped(place, "already visited", hidesFiles: true)
        }
        let listing = Self.readChildren(consuming: descriptor)
        if listing.children.contains(where: { $0.name == Self.markerName }) {
            summary.generatedSkipped += 1
            return nil
        }
        stack.append(Frame(
            relativePath: place.relative, absolutePath: place.absolute, depth: place.depth,
            identity: identity, children: listing.children))
        ancestors.insert(identity)
        if options.followSymlinks { visited.insert(identity) }
        summary.directories += 1
        // A listing cut short still walks what it got, and says so.
        if let error = listing.error { return unreadable(place, "listing incomplete: \(error.reason)") }
        return nil
    }

    // MARK: - Entries and counts

    private struct Place {
        var relative: [UInt8]
        var absolute: [UInt8]
        var depth: Int
    }

    private func file(_ place: Place, _ stat: FileStat) -> WalkEntry {
        summary.files += 1
        return WalkEntry(kind: .file(stat), relativePath: place.relative, absolutePath: place.absolute)
    }

    private func unreadable(_ place: Place, _ reason: String) -> WalkEntry {
        summary.unreadable += 1
        return WalkEntry(kind: .unreadable(reason: reason), relativePath: place.relative, absolutePath: place.absolute)
    }

    private func skipped(_ place: Place, _ reason: String, hidesFiles: Bool = false) -> WalkEntry {
        summary.skipped += 1
        return WalkEntry(
            kind: .skipped(reason: reason), relativePath: place.relative, absolutePath: place.absolute, hidesFiles: hidesFiles)
    }
}

// MARK: - Directories and paths, wrapped in one place

extension DirectoryWalker {
    /// Opens a directory for listing and names it by device and inode. Without
    /// `followingLink` the last component must not be a symbolic link (O_NOFOLLOW), so a
    /// directory swapped for a link after `readdir` is not entered.
    private static func openDirectory(
        _ path: [UInt8], followingLink: Bool
    ) -> Result<(Int32, DirectoryIdentity), SystemCallError> {
        guard let cPath = cString(path) else { return .failure(SystemCallError(code: EINVAL)) }
        var flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK
        if !followingLink { flags |= O_NOFOLLOW }
        var descriptor: Int32
        repeat {
            descriptor = open(cPath, flags)
        } while descriptor < 0 && errno == EINTR
        if descriptor < 0 { return .failure(.current) }
        switch FileStat.lookUp(descriptor: descriptor) {
        case .failure(let error):
            close(descriptor)
            return .failure(error)
        case .success(let (stat, _)):
            return .success((descriptor, DirectoryIdentity(device: stat.device, inode: stat.inode)))
        }
    }

    /// The names in an open directory, sorted by raw bytes, with "." and ".." left out.
    /// Closes the descriptor before returning, so open descriptors never grow with depth.
    /// A read error ends the listing early and is returned beside what was read.
    private static func readChildren(consuming descriptor: Int32) -> (children: [Child], error: SystemCallError?) {
        guard let stream = fdopendir(descriptor) else {
            let error = SystemCallError.current
            close(descriptor)
            return ([], error)
        }
        defer { closedir(stream) }
        var children: [Child] = []
        var failure: SystemCallError?
        while true {
            errno = 0
            guard let record = readdir(stream) else {
                if errno == EINTR { continue }
                if errno != 0 { failure = .current }
                break
            }
            let name = entryName(record)
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            children.append(Child(name: name, type: fileType(dType: record.pointee.d_type)))
        }
        children.sort { $0.name.lexicographicallyPrecedes($1.name) }
        return (children, failure)
    }

    private static let nameOffset: Int = {
        guard let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else {
            preconditionFailure("dirent.d_name has no fixed offset")
        }
        return offset
    }()

    /// Copies `d_name` out of a record without copying the whole `dirent`: a record can be
    /// shorter than `MemoryLayout<dirent>.size` when names are short.
    private static func entryName(_ record: UnsafeMutablePointer<dirent>) -> [UInt8] {
        // Safe: `d_name` is NUL-terminated inside the record readdir just returned, and the
        // record stays valid until the next readdir on this stream; the bytes are copied.
        let start = UnsafeRawPointer(record) + nameOffset
        let length = strlen(start.assumingMemoryBound(to: CChar.self))
        return Array(UnsafeRawBufferPointer(start: start, count: length))
    }

    private static func fileType(dType: UInt8) -> FileType? {
        switch Int32(dType) {
        case Int32(DT_DIR): return .directory
        case Int32(DT_REG): return .regular
        case Int32(DT_LNK): return .symlink
        case Int32(DT_UNKNOWN): return nil
        default: return .other
        }
    }

    /// `path` made absolute against the working directory, tidied (".." kept).
    private static func absolute(_ path: [UInt8]) -> [UInt8]? {
        if path.first != PathBytes.slash && PathBytes.workingDirectory() == nil { return nil }
        return PathBytes.tidied(PathBytes.anchored(path))
    }
}

/// What a walk found, including what the policy skipped without an entry.
public struct WalkSummary: Sendable, Equatable {
    /// Candidate files reported (`.file` entries).
    public var files = 0
    /// Directories listed, the root included.
    public var directories = 0
    /// `.unreadable` entries.
    public var unreadable = 0
    /// `.skipped` entries.
    public var skipped = 0
    /// Names starting with "." left out (AppleDouble "._" files included); their contents
    /// are not walked and so not counted.
    public var hiddenSkipped = 0
    /// System folders (`WalkOptions.systemFolderNames`) left out.
    public var systemSkipped = 0
    /// Folders vggbatch wrote itself (reports, thumbnails), recognised by their marker file.
    public var generatedSkipped = 0
    /// Names without a wanted extension, and links to them.
    public var otherFilesIgnored = 0

    public init() {}
}

/// Why a walk could not start, or why a file could not be fingerprinted.
public enum WalkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The root is missing, not a directory, or cannot be listed. An index whose root is
    /// unavailable must be left as it is: the drive may just be unmounted.
    case rootUnavailable(path: String, reason: String)
    /// A file could not be read, or is not a regular file.
    case unreadable(path: String, reason: String)

    /// The path the error is about, for display.
    public var path: String {
        switch self {
        case .rootUnavailable(let path, _), .unreadable(let path, _): return path
        }
    }

    /// What went wrong, without the path (callers print the path beside it).
    public var reason: String {
        switch self {
        case .rootUnavailable(_, let reason): return "root unavailable: \(reason)"
        case .unreadable(_, let reason): return "cannot read file: \(reason)"
        }
    }

    public var description: String { "\(path): \(reason)" }
}
