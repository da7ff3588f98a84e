/// The basis coordinates of `SearchRows` (see `FeatureBasis` in VGGSearch).
public struct SearchProjections: Sendable {
    public var rank: Int
    /// rows × rank, row-major; zero for rows in `missing`.
    public var coordinates: [Float]
    public var residuals: [Float]
    /// Rows without a stored projection (a scan interrupted while rebuilding them): the
    /// caller projects their float32 vectors.
    public var missing: [Int]

    public init(rank: Int, coordinates: [Float], residuals: [Float], missing: [Int]) {
        self.rank = rank
        self.coordinates = coordinates
        self.residuals = residuals
        self.missing = missing
    }
}
