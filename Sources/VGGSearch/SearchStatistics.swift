/// What one exact search or duplicate pass had to look at: the evidence that the bound
/// prunes (few full vectors fetched) or that it does not (most of them fetched).
public struct SearchStatistics: Equatable, Sendable {
    /// Rows searched (N).
    public var rows = 0
    /// Rows (or, for duplicates, pairs) whose upper bound reached the bar and were verified
    /// with full vectors.
    public var candidates = 0
    /// Full vectors requested from the fetch closure, summed over calls.
    public var fetchedRows = 0
    /// Calls to the fetch closure.
    public var fetchCalls = 0

    public init() {}
}
