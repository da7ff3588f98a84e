import VGGCommon
import VGGEngine
import VGGIndexTypes
import VGGModel
import VGGSearch

/// The images of one model that `similar`, `duplicates` and `report` work on, with the
/// stored forms of their vectors loaded on demand.
public struct SearchContext {
    public let index: IndexReader
    public let model: StoredModel
    public let rows: SearchRows
    public let pool: ThreadPool
    public let kernels: KernelSet

    /// Lists the chosen model's images (default: the one with the most images).
    public static func load(index: IndexReader, modelID requested: Int64?, threads: Int, kernels: KernelSet = .default) throws(QueryError) -> SearchContext {
        let models: [StoredModel]
        let chosen: StoredModel?
        do throws(StoreError) {
            models = try index.models()
            chosen = try index.model(id: requested)
        } catch {
            throw .store(error)
        }
        guard !models.isEmpty else { throw .empty("the index is empty; run `vggbatch scan DIR` first") }
        guard let model = chosen else {
            throw .invalidArgument("no model \(requested.map(String.init) ?? "") in the index (see `vggbatch status`)")
        }
        let rows: SearchRows
        do throws(StoreError) {
            rows = try index.searchRows(modelID: model.id)
        } catch {
            throw .store(error)
        }
        guard rows.count > 0 else { throw .empty("no feature vectors for model \(model.id) yet; run `vggbatch scan`") }
        return SearchContext(index: index, model: model, rows: rows, pool: ThreadPool(threadCount: threads), kernels: kernels)
    }

    /// Whether the model has ImageNet labels (its weights are not a pool5 `_notop` file).
    public var hasLabels: Bool { VGGArchitecture(metadataValue: model.architecture)?.hasClassifier ?? true }

    /// The layer whose output the model stores as features: "fc7", or "pool5" for a network
    /// that ends there.
    public var featureLayer: String { hasLabels ? "fc7" : "pool5" }

    /// Every row's estimated cosine with `query` and its error bound, from the stored codes.
    public func estimates(for query: [Float]) throws(QueryError) -> SearchEstimates {
        let scorer = CodeScorer(query: query, kernels: kernels)
        do throws(StoreError) {
            return try index.searchEstimates(modelID: model.id, rows: rows, dimension: query.count) { scorer.score(code: $0, scale: $1) }
        } catch {
            throw .store(error)
        }
    }

    /// The basis coordinates of every row; rows without a stored projection (a scan stopped
    /// while rebuilding them) are projected here from their float vectors.
    public func projections() throws(QueryError) -> SearchProjections {
        let stored: StoredBasis?
        var projections: SearchProjections
        do throws(StoreError) {
            stored = try index.basis(modelID: model.id)
            projections = try index.searchProjections(modelID: model.id, rows: rows, rank: stored?.rank ?? 1)
        } catch {
            throw .store(error)
        }
        guard let stored else {
            throw .empty("the search data of model \(model.id) is not built yet; run `vggbatch scan` again to finish it")
        }
        let basis = FeatureBasis(rank: stored.rank, dimension: stored.dimension, rows: stored.rows, kernels: kernels)
        for start in stride(from: 0, to: projections.missing.count, by: 1024) {
            let chunk = Array(projections.missing[start..<min(start + 1024, projections.missing.count)])
            let vectors = try fullVectors(chunk).flatMap { $0 }
            guard vectors.count == chunk.count * basis.dimension else {
                throw .inconsistent("the feature vectors of model \(model.id) do not have \(basis.dimension) values")
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

    /// Unit full vectors of these rows, read from the index (a vector with no direction
    /// stays as it is and scores 0).
    public func fullVectors(_ rows: [Int]) throws(QueryError) -> [[Float]] {
        let vectors: [[Float]?]
        do throws(StoreError) {
            vectors = try index.features(imageIDs: rows.map { self.rows.imageIDs[$0] }, modelID: model.id)
        } catch {
            throw .store(error)
        }
        return vectors.map { vector in
            var unit = vector ?? []
            if !FeatureBasis.normalise(&unit) { unit = [Float](repeating: 0, count: unit.count) }
            return unit
        }
    }

    /// Row `row`'s path for a person (one line; see `PathBytes.display`).
    public func display(_ row: Int) -> String { PathBytes.display(rows.paths[row]) }

    /// Row `row`'s path for JSON and CSV (exact when it is UTF-8; see `PathBytes.text`).
    public func text(_ row: Int) -> String { PathBytes.text(rows.paths[row]) }
}
