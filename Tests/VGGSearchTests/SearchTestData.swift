import VGGIndexTypes
import VGGCommon
import VGGEngine
@testable import VGGSearch

/// Synthetic unit vectors and the Double brute-force oracle the search is checked against.
enum SearchTestData {
    /// fc7-like vectors: ReLU(W z + noise · n) with W a fixed dimension × latent Gaussian
    /// matrix, so most of each vector lies in a low-dimensional subspace (pruning works).
    static func structured(
        count: Int, dimension: Int, latent: Int = 5, noise: Double = 0.2, seed: UInt64
    ) -> [[Float]] {
        var random = SplitMix64(seed: seed)
        let w = (0..<(dimension * latent)).map { _ in random.nextGaussian() }
        return (0..<count).map { _ in
            let z = (0..<latent).map { _ in random.nextGaussian() }
            var v = (0..<dimension).map { d -> Float in
                var sum = 0.0
                for j in 0..<latent { sum += w[d * latent + j] * z[j] }
                return Float(max(0, sum + noise * random.nextGaussian()))
            }
            if !UnitVector.normalise(&v) { v[0] = 1 }
            return v
        }
    }

    /// Non-negative vectors with independent entries: no subspace captures them, so the bound
    /// prunes little and the search must still be exact.
    static func isotropic(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var v = (0..<dimension).map { _ in Float(abs(random.nextGaussian())) }
            UnitVector.normalise(&v)
            return v
        }
    }

    /// `v` plus Gaussian noise of standard deviation `scale` per entry, clamped at zero, unit.
    static func perturbed(_ v: [Float], scale: Double, random: inout SplitMix64) -> [Float] {
        var w = v.map { Float(max(0, Double($0) + scale * random.nextGaussian())) }
        UnitVector.normalise(&w)
        return w
    }

    /// Σ a·b in Double, in index order: the oracle's score.
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
        return sum
    }

    /// The k best rows by exact cosine (ties by row), allowed and ≥ minimum, by brute force.
    static func bruteForceNearest(
        _ vectors: [[Float]], query: [Float], k: Int, minimum: Float = -1, allowed: (Int) -> Bool = { _ in true }
    ) -> [(row: Int, score: Double)] {
        var scored = [(row: Int, score: Double)]()
        for row in vectors.indices where allowed(row) {
            let score = dot(query, vectors[row])
            if score >= Double(minimum) { scored.append((row, score)) }
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
        return Array(scored.prefix(k))
    }

    /// Every pair a < b with exact cosine ≥ threshold, by brute force.
    static func bruteForcePairs(_ vectors: [[Float]], threshold: Float) -> [(a: Int, b: Int, score: Double)] {
        var pairs = [(a: Int, b: Int, score: Double)]()
        for a in vectors.indices {
            for b in (a + 1)..<vectors.count {
                let score = dot(vectors[a], vectors[b])
                if score >= Double(threshold) { pairs.append((a, b, score)) }
            }
        }
        return pairs
    }
}

/// A set of vectors with their stored forms: int8 codes (for `NeighbourSearch`) and a
/// learned basis with projections (for `DuplicateFinder`).
struct SearchFixture {
    let vectors: [[Float]]
    let dimension: Int
    let codes: [Int8]
    let scales: [Float]
    let errors: [Float]

    init(_ vectors: [[Float]]) {
        self.vectors = vectors
        dimension = vectors.first?.count ?? 1
        let encoded = vectors.map { FeatureCode(vector: $0) }
        codes = encoded.flatMap(\.code)
        scales = encoded.map(\.scale)
        errors = encoded.map(\.error)
    }

    /// An index for `query` whose fetches are counted in `log`, if given.
    func index(query: [Float], log: FetchLog? = nil, pool: ThreadPool) -> NeighbourSearch {
        let vectors = vectors
        return NeighbourSearch(query: query, codes: codes, scales: scales, errors: errors, pool: pool) { rows in
            log?.calls.append(rows)
            return rows.map { vectors[$0] }
        }
    }
}

/// A learned basis and the projections of a set of vectors (what `DuplicateFinder` works on).
struct ProjectedFixture {
    let vectors: [[Float]]
    let basis: FeatureBasis
    let coordinates: [Float]
    let residuals: [Float]

    init(_ vectors: [[Float]], rank: Int, seed: UInt64 = 7, pool: ThreadPool) {
        self.vectors = vectors
        basis = FeatureBasis.learn(samples: vectors, rank: rank, seed: seed, pool: pool)
        (coordinates, residuals) = basis.project(vectors.flatMap { $0 }, pool: pool)
    }

    func fetch(_ rows: [Int]) -> [[Float]] { rows.map { vectors[$0] } }
}

/// The row batches a fetch closure was called with.
final class FetchLog {
    var calls: [[Int]] = []
}
