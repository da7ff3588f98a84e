import VGGEngine

/// Exact verification of candidate pairs with full vectors, in windows that bound memory.
///
/// Candidates arrive sorted by (a, b). A window takes up to `windowRows` distinct first
/// rows; their vectors are fetched once, and the partners' vectors in batches filling the
/// rest of `residentVectors`. When a window's rows all fit, they come in a single call.
struct PairVerifier {
    let threshold: Float
    let windowRows: Int
    let residentVectors: Int
    let kernels: KernelSet
    private(set) var found: [(a: Int, b: Int, score: Float)] = []
    private(set) var checked = 0
    private(set) var fetchedRows = 0
    private(set) var fetchCalls = 0
    private var dimension: Int?

    init(threshold: Float, windowRows: Int, residentVectors: Int, kernels: KernelSet) {
        precondition(windowRows >= 1 && residentVectors > windowRows, "verification window sizes")
        self.threshold = threshold
        self.windowRows = windowRows
        self.residentVectors = residentVectors
        self.kernels = kernels
    }

    /// Scores `candidates` exactly and keeps those at or above the threshold.
    mutating func verify(_ candidates: [(a: Int, b: Int)], fullVectors: (_ rows: [Int]) throws -> [[Float]]) throws {
        checked += candidates.count
        var index = 0
        while index < candidates.count {
            var firstRows = [Int]()
            var end = index
            while end < candidates.count {
                let a = candidates[end].a
                if firstRows.last != a {
                    if firstRows.count == windowRows { break }
                    firstRows.append(a)
                }
                end += 1
            }
            let window = candidates[index..<end]
            let firstSet = Set(firstRows)
            let partners = Set(window.map(\.b)).subtracting(firstSet).sorted()
            if firstRows.count + partners.count <= residentVectors {
                let vectors = try fetch((firstRows + partners).sorted(), fullVectors: fullVectors)
                score(window, first: vectors, partners: vectors)
            } else {
                let first = try fetch(firstRows, fullVectors: fullVectors)
                score(window.filter { firstSet.contains($0.b) }, first: first, partners: first)
                let room = residentVectors - firstRows.count
                var next = 0
                while next < partners.count {
                    let batch = Array(partners[next..<min(next + room, partners.count)])
                    let vectors = try fetch(batch, fullVectors: fullVectors)
                    score(window.filter { vectors[$0.b] != nil }, first: first, partners: vectors)
                    next += batch.count
                }
            }
            index = end
        }
    }

    private mutating func score<Pairs: Sequence>(
        _ pairs: Pairs, first: [Int: [Float]], partners: [Int: [Float]]
    ) where Pairs.Element == (a: Int, b: Int) {
        let bar = Double(threshold)
        for pair in pairs {
            guard let va = first[pair.a], let vb = partners[pair.b] else { continue }
            let cosine = VectorKernels.dot(va, vb, kernels: kernels)
            if cosine >= bar { found.append((pair.a, pair.b, Float(cosine))) }
        }
    }

    /// The vectors of `rows` by row, checked for count and a common dimension.
    private mutating func fetch(_ rows: [Int], fullVectors: (_ rows: [Int]) throws -> [[Float]]) throws -> [Int: [Float]] {
        let vectors = try fullVectors(rows)
        fetchCalls += 1
        fetchedRows += rows.count
        guard vectors.count == rows.count else {
            throw SearchError.fetchCountMismatch(requested: rows.count, received: vectors.count)
        }
        var byRow = [Int: [Float]](minimumCapacity: rows.count)
        for (row, vector) in zip(rows, vectors) {
            let expected = dimension ?? vector.count
            guard vector.count == expected, expected > 0 else {
                throw SearchError.dimensionMismatch(row: row, expected: expected, actual: vector.count)
            }
            dimension = expected
            byRow[row] = vector
        }
        return byRow
    }
}
