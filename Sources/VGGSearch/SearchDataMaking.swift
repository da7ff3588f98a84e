import VGGCommon
import VGGEngine
import VGGIndexTypes

/// How the compact search data of the network's feature vectors is made from the floats,
/// written once for whoever makes it: the writer that stores it after a scan
/// (`SearchMaintenance`), and a search that meets rows a stopped scan did not code or project
/// yet (it makes the same data for them, for that answer only, and the next scan stores it).
public enum SearchDataMaking {
    /// The int8 code of one feature vector.
    public static func code(_ vector: [Float]) -> FeatureCode { FeatureCode(vector: vector) }

    /// `vector` at unit length; a vector with no direction (all zeros) stays zeros.
    public static func unit(_ vector: [Float]) -> [Float] {
        var unit = vector
        if !UnitVector.normalise(&unit) { unit = [Float](repeating: 0, count: unit.count) }
        return unit
    }

    /// A basis learned from sample vectors (up to `FeatureBasis.learningSampleLimit`, spread
    /// over the index by the caller): unit-normalised, those without a direction left out,
    /// rank up to `FeatureBasis.learningRankLimit`, seed 1; with how many samples it was learned
    /// from. Nil when no sample has a direction.
    public static func basis(learnedFrom samples: [[Float]], pool: ThreadPool, kernels: KernelSet) -> (basis: FeatureBasis, samples: Int)? {
        let units = samples.compactMap { sample -> [Float]? in
            var unit = sample
            return UnitVector.normalise(&unit) ? unit : nil
        }
        guard let dimension = units.first?.count else { return nil }
        let rank = min(FeatureBasis.learningRankLimit, units.count, dimension)
        return (FeatureBasis.learn(samples: units, rank: rank, seed: 1, pool: pool, kernels: kernels), units.count)
    }

    /// The basis coordinates and residuals of `vectors` (each of the basis's dimension), at
    /// unit length first: `rank` coordinates a vector, one after another.
    public static func projections(
        of vectors: [[Float]], basis: FeatureBasis, pool: ThreadPool
    ) -> (coordinates: [Float], residuals: [Float]) {
        var units = [Float]()
        units.reserveCapacity(vectors.count * basis.dimension)
        for vector in vectors { units.append(contentsOf: unit(vector)) }
        return basis.project(units, pool: pool)
    }
}
