/// What the file system says about one regular file, enough to tell whether it changed
/// since it was last indexed without reading it.
public struct FileStat: Sendable, Equatable, Hashable {
    /// Length in bytes.
    public var size: Int64
    /// Last modification time in nanoseconds since 1970-01-01 UTC (clamped to the Int64
    /// range for absurd timestamps).
    public var mtimeNanoseconds: Int64
    /// Inode number; with `device`, names the file independently of its path.
    public var inode: UInt64
    /// Device the file lives on.
    public var device: UInt64

    public init(size: Int64, mtimeNanoseconds: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
        self.device = device
    }
}
