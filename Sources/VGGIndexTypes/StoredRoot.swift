/// A scan root: a folder whose files the index holds, by path relative to it.
public struct StoredRoot: Sendable, Equatable {
    public var id: Int64
    /// Absolute, symlink-resolved path bytes.
    public var path: [UInt8]

    public init(id: Int64, path: [UInt8]) {
        self.id = id
        self.path = path
    }
}
