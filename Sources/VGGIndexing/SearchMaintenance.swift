import VGGCommon
import VGGEngine
import VGGIndexTypes
import VGGSearch

/// Keeps the compact search data (int8 codes, a learned basis and per-image projections) up
/// to date after a scan, so `similar` and `duplicates` read 4 KB or 1 KB per image.
public enum SearchMaintenance {
    /// Vectors used to learn a basis (`FeatureBasis.learningSampleLimit`).
    public static let sampleLimit = FeatureBasis.learningSampleLimit
    /// Images handled per transaction.
    static let chunk = 1024

    /// Writes the int8 code of every image that has features but no code (indexes made
    /// before codes were kept, or results written by another writer), learns a basis if
    /// there is none (or it came from a much smaller library), then projects every image
    /// that has features but no projection. Returns how many images it updated.
    @discardableResult
    public static func update(_ index: IndexWriter, modelID: Int64, threads: Int, kernels: KernelSet = .default) throws(StoreError) -> Int {
        let total = try index.search.featureCount(modelID: modelID)
        guard total > 0 else { return 0 }
        var coded = 0
        var after = Int64.min
        while true {
            let batch = try index.search.featuresWithoutCode(modelID: modelID, after: after, limit: chunk)
            guard let last = batch.last else { break }
            try index.search.storeCodes(batch.map { ($0.imageID, SearchDataMaking.code($0.vector)) }, modelID: modelID)
            coded += batch.count
            after = last.imageID
        }
        let pool = ThreadPool(threadCount: threads)
        var stored = try index.search.basis(modelID: modelID)
        if stored == nil || (stored?.sampleCount ?? 0) < min(total, sampleLimit) / 2 {
            let samples = try index.search.sampleFeatures(modelID: modelID, limit: sampleLimit)
            guard let (basis, learnedFrom) = SearchDataMaking.basis(learnedFrom: samples, pool: pool, kernels: kernels) else { return coded }
            let record = StoredBasis(rank: basis.rank, dimension: basis.dimension, rows: basis.rows, sampleCount: learnedFrom)
            try index.search.replaceBasis(modelID: modelID, record)
            stored = record
        }
        guard let stored else { return coded }
        let basis = FeatureBasis(rank: stored.rank, dimension: stored.dimension, rows: stored.rows, kernels: kernels)
        var projected = 0
        after = Int64.min
        while true {
            let batch = try index.search.featuresWithoutProjection(modelID: modelID, after: after, limit: chunk)
            guard let last = batch.last else { break }
            after = last.imageID
            let (coordinates, residuals) = SearchDataMaking.projections(of: batch.map(\.vector), basis: basis, pool: pool)
            let rank = basis.rank
            try index.search.storeProjections(
                batch.enumerated().map { i, item in
                    (item.imageID, Array(coordinates[(i * rank)..<((i + 1) * rank)]), residuals[i])
                }, modelID: modelID)
            projected += batch.count
        }
        return max(coded, projected)
    }
}
