/// One exported row: path bytes, top predictions, features when asked for.
public struct ExportRow: Sendable {
    public var path: [UInt8]
    public var top: [(index: Int, probability: Double)]
    public var features: [Float]?
    /// The GeM and R-MAC descriptors, when features were asked for and the row has them.
    public var gem: [Float]?
    public var rmac: [Float]?

    public init(path: [UInt8], top: [(index: Int, probability: Double)], features: [Float]?, gem: [Float]? = nil, rmac: [Float]? = nil) {
        self.path = path
        self.top = top
        self.features = features
        self.gem = gem
        self.rmac = rmac
    }
}
