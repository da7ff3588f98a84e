import VGGCommon

/// The part of the index one scan argument covers: a whole root, or a folder inside one.
public struct RootScope: Sendable, Equatable {
    public var root: StoredRoot
    /// The folder below the root, relative to it; empty for the whole root.
    public var subpath: [UInt8]

    public init(root: StoredRoot, subpath: [UInt8]) {
        self.root = root
        self.subpath = subpath
    }

    /// The folder this scope walks.
    public var path: [UInt8] { PathBytes.join(root.path, subpath) }
}
