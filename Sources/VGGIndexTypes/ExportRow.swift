/// One image's stored results as `export` writes them: its path and its result (vectors left
/// empty when not asked for, or not stored: a descriptor the index has no row of).
public struct ExportRow: Sendable {
    public var path: [UInt8]
    public var result: ImageResult

    public init(path: [UInt8], result: ImageResult) {
        self.path = path
        self.result = result
    }
}
