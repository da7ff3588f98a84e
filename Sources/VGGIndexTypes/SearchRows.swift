/// The images a search covers for one model: every ok image with a feature vector, sorted
/// by path (the order that breaks equal scores). Row r of every search array is image r.
public struct SearchRows: Sendable {
    public var imageIDs: [Int64] = []
    public var paths: [[UInt8]] = []
    public var fingerprints: [[UInt8]?] = []
    /// The row of each image id.
    public var rowOf: [Int64: Int] = [:]

    public init() {}

    public var count: Int { imageIDs.count }
}
