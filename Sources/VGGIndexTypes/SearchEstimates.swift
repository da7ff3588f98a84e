/// Per-row estimates of a query's cosines and their error bounds (see `FeatureCode`).
public struct SearchEstimates: Sendable {
    /// scale · (q · code) for each row of `SearchRows`.
    public var estimates: [Float]
    public var errors: [Float]
    /// Rows without a valid stored code (an index from before codes, a scan stopped before
    /// its search data, a damaged row): their entries are zero until the search codes their
    /// float32 vectors (`computed` of them).
    public var missing: [Int] = []
    public var computed = 0

    public init(estimates: [Float], errors: [Float], missing: [Int] = [], computed: Int = 0) {
        self.estimates = estimates
        self.errors = errors
        self.missing = missing
        self.computed = computed
    }
}
