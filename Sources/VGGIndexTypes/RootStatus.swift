/// Per-root counts by status.
public struct RootStatus: Sendable, Equatable {
    public var id: Int64
    public var path: [UInt8]
    public var ok: Int
    public var failed: Int
    public var missing: Int

    public init(id: Int64, path: [UInt8], ok: Int, failed: Int, missing: Int) {
        self.id = id
        self.path = path
        self.ok = ok
        self.failed = failed
        self.missing = missing
    }
}
