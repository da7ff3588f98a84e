/// One root folded into another that contains it: its rows now live under `outer`.
public struct FoldedRoot: Sendable, Equatable {
    public var inner: [UInt8]
    public var outer: [UInt8]
    /// Rows moved under the outer root.
    public var moved: Int
    /// Rows that were the same file reached through both roots, merged into one.
    public var merged: Int

    public init(inner: [UInt8], outer: [UInt8], moved: Int, merged: Int) {
        self.inner = inner
        self.outer = outer
        self.moved = moved
        self.merged = merged
    }
}
