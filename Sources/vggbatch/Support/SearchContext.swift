import Foundation
import VGGEngine
import VGGModel
import VGGPipeline
import VGGSearch
import VGGStore

/// The images of one model that `similar` and `duplicates` search, with the stored forms
/// of their vectors loaded on demand.
struct SearchContext {
    let index: IndexDatabase
    let model: StoredModel
    let rows: SearchRows
    let pool: ThreadPool

    /// Opens the index read-only and lists the chosen model's images (default: the one with the most images).
    static func load(database: DatabaseOptions, modelID requested: Int64?, threads: Int) throws -> SearchContext {
        let index = try database.openReader()
        do {
            let models = try index.models()
            guard !models.isEmpty else { throw CommandFailure("the index is empty; run `vggbatch scan DIR` first") }
            guard let modelID = try requested ?? index.defaultModel()?.id else {
                throw CommandFailure("the index is empty; run `vggbatch scan DIR` first")
            }
            guard let model = models.first(where: { $0.id == modelID }) else {
                throw CommandFailure("no model \(modelID) in the index (see `vggbatch status`)")
            }
            let rows = try index.searchRows(modelID: modelID)
            guard rows.count > 0 else {
                throw CommandFailure("no feature vectors for model \(modelID) yet; run `vggbatch scan`")
            }
            return SearchContext(index: index, model: model, rows: rows, pool: ThreadPool(threadCount: threads))
        } catch let error as StoreError {
            throw CommandFailure(error.reason)
        }
    }

    /// Every row's estimated cosine with `query` and its error bound, from the stored codes.
    func estimates(for query: [Float]) throws -> SearchEstimates {
        let scorer = CodeScorer(query: query)
        do throws(StoreError) {
            return try index.searchEstimates(modelID: model.id, rows: rows, dimension: query.count) { scorer.score(code: $0, scale: $1) }
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// The basis coordinates of every row; rows without a stored projection (a scan stopped
    /// while rebuilding them) are projected here from their float vectors.
    func projections() throws -> SearchProjections {
        let stored: StoredBasis?
        var projections: SearchProjections
        do throws(StoreError) {
            stored = try index.basis(modelID: model.id)
            projections = try index.searchProjections(modelID: model.id, rows: rows, rank: stored?.rank ?? 1)
        } catch {
            throw CommandFailure(error.reason)
        }
        guard let stored else {
            throw CommandFailure("the search data of model \(model.id) is not built yet; run `vggbatch scan` again to finish it")
        }
        let basis = FeatureBasis(rank: stored.rank, dimension: stored.dimension, rows: stored.rows)
        for start in stride(from: 0, to: projections.missing.count, by: 1024) {
            let chunk = Array(projections.missing[start..<min(start + 1024, projections.missing.count)])
            let vectors = try fullVectors(chunk).flatMap { $0 }
            guard vectors.count == chunk.count * basis.dimension else {
                throw CommandFailure("the feature vectors of model \(model.id) do not have \(basis.dimension) values")
            }
            let (coordinates, residuals) = basis.project(vectors, pool: pool)
            let rank = basis.rank
            for (i, row) in chunk.enumerated() {
                projections.coordinates.replaceSubrange((row * rank)..<((row + 1) * rank), with: coordinates[(i * rank)..<((i + 1) * rank)])
                projections.residuals[row] = residuals[i]
            }
        }
        return projections
    }

    /// Unit full vectors of these rows, read from the database (a vector with no direction
    /// stays as it is and scores 0).
    func fullVectors(_ rows: [Int]) throws -> [[Float]] {
        let vectors: [[Float]?]
        do throws(StoreError) {
            vectors = try index.features(imageIDs: rows.map { self.rows.imageIDs[$0] }, modelID: model.id)
        } catch {
            throw CommandFailure(error.reason)
        }
        return vectors.map { vector in
            var unit = vector ?? []
            if !FeatureBasis.normalise(&unit) { unit = [Float](repeating: 0, count: unit.count) }
            return unit
        }
    }

    /// Whether the model has ImageNet labels (its weights are not a pool5 `_notop` file).
    var hasLabels: Bool { VGGArchitecture(metadataValue: model.architecture)?.hasClassifier ?? true }

    /// The layer whose output the model stores as features: "fc7", or "pool5" for a network
    /// that ends there.
    var featureLayer: String { hasLabels ? "fc7" : "pool5" }

    func display(_ row: Int) -> String { WalkEntry.displayString(rows.paths[row]) }
}
