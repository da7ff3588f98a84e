/// Per-row estimates of a query's cosines and their error bounds (see `FeatureCode`).
public struct SearchEstimates: Sendable {
    /// scale · (q · code) for each row of `SearchRows`.
    public var estimates: [Float]
    public var errors: [Float]
    /// Rows whose code was made from the float32 vector because none was stored (an index
    /// from before codes, or a damaged row).
    public var computed = 0

    public init(estimates: [Float], errors: [Float], computed: Int = 0) {
        self.estimates = estimates
        self.errors = errors
        self.computed = computed
    }
}
