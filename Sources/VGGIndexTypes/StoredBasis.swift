/// A model's stored search basis.
public struct StoredBasis: Sendable {
    public var rank: Int
    public var dimension: Int
    public var rows: [Float]
    public var sampleCount: Int

    public init(rank: Int, dimension: Int, rows: [Float], sampleCount: Int) {
        self.rank = rank
        self.dimension = dimension
        self.rows = rows
        self.sampleCount = sampleCount
    }
}
