/// Why a search could not be completed. The vectors come from the caller's storage, so a
/// reply of the wrong shape is an environment problem (a damaged or changed index), not a bug.
public enum SearchError: Error, Equatable, Sendable {
    /// The full-vector fetch returned a different number of vectors than rows asked for.
    case fetchCountMismatch(requested: Int, received: Int)
    /// A fetched full vector does not have the dimension of the others (or of the query).
    case dimensionMismatch(row: Int, expected: Int, actual: Int)

    /// One line for a person.
    public var reason: String {
        switch self {
        case .fetchCountMismatch(let requested, let received):
            return "asked the index for \(requested) feature vectors and got \(received)"
        case .dimensionMismatch(let row, let expected, let actual):
            return "feature vector of row \(row) has \(actual) values, expected \(expected)"
        }
    }
}
