/// One exported row: path bytes, top predictions, features when asked for.
public struct ExportRow: Sendable {
    public var path: [UInt8]
    public var top: [(index: Int, probability: Double)]
    public var features: [Float]?

    public init(path: [UInt8], top: [(index: Int, probability: Double)], features: [Float]?) {
        self.path = path
        self.top = top
        self.features = features
    }
}
