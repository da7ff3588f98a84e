import Foundation
import VGGEngine
import VGGSearch
import VGGStore

/// Keeps the compact search data (a learned basis and per-image projections) up to date
/// after a scan, so `similar` and `duplicates` load 1 KB per image.
enum SearchMaintenance {
    /// Vectors used to learn a basis, and its largest rank.
    static let sampleLimit = 4096
    static let maximumRank = 256

    /// Writes the int8 code of every image that has features but no code (indexes made
    /// before codes were kept), learns a basis if there is none (or it came from a much
    /// smaller library), then projects every image that has features but no projection.
    /// Returns how many images it updated.
    @discardableResult
    static func update(_ index: IndexDatabase, modelID: Int64, threads: Int) throws -> Int {
        let total = try index.featureCount(modelID: modelID)
        guard total > 0 else { return 0 }
        var coded = 0
        while true {
            let batch = try index.featuresWithoutCode(modelID: modelID, limit: 1024)
            if batch.isEmpty { break }
            try index.transaction {
                for item in batch { try index.storeCode(FeatureCode(vector: item.vector), imageID: item.imageID, modelID: modelID) }
            }
            coded += batch.count
        }
        let pool = ThreadPool(threadCount: threads)
        var stored = try index.basis(modelID: modelID)
        if stored == nil || (stored?.sampleCount ?? 0) < min(total, sampleLimit) / 2 {
            var samples = try index.sampleFeatures(modelID: modelID, limit: sampleLimit)
            samples = samples.compactMap { vector in
                var unit = vector
                return FeatureBasis.normalise(&unit) ? unit : nil
            }
            guard let dimension = samples.first?.count else { return coded }
            let rank = min(maximumRank, samples.count, dimension)
            let basis = FeatureBasis.learn(samples: samples, rank: rank, seed: 1, pool: pool)
            let record = StoredBasis(rank: basis.rank, dimension: basis.dimension, rows: basis.rows, sampleCount: samples.count)
            try index.transaction { try index.replaceBasis(modelID: modelID, record) }
            stored = record
        }
        guard let stored else { return coded }
        let basis = FeatureBasis(rank: stored.rank, dimension: stored.dimension, rows: stored.rows)
        var projected = 0
        while true {
            let batch = try index.featuresWithoutProjection(modelID: modelID, limit: 1024)
            if batch.isEmpty { break }
            var vectors = [Float]()
            vectors.reserveCapacity(batch.count * basis.dimension)
            for item in batch {
                var unit = item.vector
                if !FeatureBasis.normalise(&unit) { unit = [Float](repeating: 0, count: basis.dimension) }
                vectors.append(contentsOf: unit)
            }
            var coordinates = [Float](repeating: 0, count: batch.count * basis.rank)
            var residuals = [Float](repeating: 0, count: batch.count)
            vectors.withUnsafeBufferPointer { v in
                coordinates.withUnsafeMutableBufferPointer { c in
                    residuals.withUnsafeMutableBufferPointer { r in
                        guard let vb = v.baseAddress, let cb = c.baseAddress, let rb = r.baseAddress else { return }
                        basis.project(vb, count: batch.count, into: cb, residuals: rb, pool: pool)
                    }
                }
            }
            try index.transaction {
                for (i, item) in batch.enumerated() {
                    try index.storeProjection(
                        imageID: item.imageID, modelID: modelID,
                        coordinates: Array(coordinates[(i * basis.rank)..<((i + 1) * basis.rank)]), residual: residuals[i])
                }
            }
            projected += batch.count
        }
        return max(coded, projected)
    }
}
