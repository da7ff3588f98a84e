import Foundation
import VGGEngine
import VGGPipeline
import VGGSearch
import VGGStore

/// The loaded search data of one model: what `similar` and `duplicates` work on.
struct SearchContext {
    let index: IndexDatabase
    let model: StoredModel
    let basis: FeatureBasis
    let data: SearchData
    let pool: ThreadPool

    /// Opens the index read-only and loads the chosen (default: latest) model's search data.
    static func load(database: DatabaseOptions, modelID requested: Int64?, threads: Int) throws -> SearchContext {
        let index = try database.openReader()
        do {
            let models = try index.models()
            guard !models.isEmpty else { throw CommandFailure("the index is empty; run `vggbatch scan DIR` first") }
            let modelID = try requested ?? index.latestModelID() ?? models[models.count - 1].id
            guard let model = models.first(where: { $0.id == modelID }) else {
                throw CommandFailure("no model \(modelID) in the index (see `vggbatch status`)")
            }
            guard model.imageCount > 0 else { throw CommandFailure("no feature vectors for model \(modelID) yet; run `vggbatch scan`") }
            guard let stored = try index.basis(modelID: modelID) else {
                throw CommandFailure("the search data of model \(modelID) is not built yet; run `vggbatch scan` again to finish it")
            }
            let basis = FeatureBasis(rank: stored.rank, dimension: stored.dimension, rows: stored.rows)
            let data = try index.searchData(modelID: modelID, rank: stored.rank)
            guard !data.imageIDs.isEmpty else {
                throw CommandFailure("the search data of model \(modelID) is not built yet; run `vggbatch scan` again to finish it")
            }
            return SearchContext(index: index, model: model, basis: basis, data: data, pool: ThreadPool(threadCount: threads))
        } catch let error as StoreError {
            throw CommandFailure(error.reason)
        }
    }

    /// Unit full vectors of these rows, read from the database.
    func fullVectors(_ rows: [Int]) throws -> [[Float]] {
        let vectors = try index.features(imageIDs: rows.map { data.imageIDs[$0] }, modelID: model.id)
        return vectors.map { vector in
            var unit = vector ?? []
            _ = FeatureBasis.normalise(&unit)
            return unit
        }
    }

    func display(_ row: Int) -> String { WalkEntry.displayString(data.paths[row]) }
}
