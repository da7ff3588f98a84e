import VGGCommon
import VGGEngine
import VGGIndexTypes
import VGGModel
import VGGSearch

/// The images of one model that `similar`, `duplicates` and `report` work on, with the
/// stored forms of their vectors of one kind (fc7/pool5, GeM or R-MAC) loaded on demand.
public struct SearchContext {
    public let index: IndexReader
    public let model: StoredModel
    public let rows: SearchRows
    public let pool: ThreadPool
    public let kernels: KernelSet
    /// Which vectors are searched.
    public let kind: FeatureKind

    /// Lists the chosen model's images (default: the one with the most images) that have a
    /// vector of `kind`.
    public static func load(
        index: IndexReader, modelID requested: Int64?, threads: Int, kernels: KernelSet = .default, kind: FeatureKind = .network
    ) throws(QueryError) -> SearchContext {
        let models: [StoredModel]
        let chosen: StoredModel?
        do throws(StoreError) {
            models = try index.models.all()
            chosen = try index.models.model(id: requested)
        } catch {
            throw .store(error)
        }
        guard !models.isEmpty else { throw .empty("the index is empty; run `vggbatch scan DIR` first") }
        guard let model = chosen else {
            throw .invalidArgument("no model \(requested.map(String.init) ?? "") in the index (see `vggbatch status`)")
        }
        let rows: SearchRows
        do throws(StoreError) {
            rows = kind == .network ? try index.search.searchRows(modelID: model.id) : try index.search.searchRows(modelID: model.id, descriptor: kind)
        } catch {
            throw .store(error)
        }
        guard rows.count > 0 else {
            if kind != .network, (try? index.search.searchRows(modelID: model.id).count) ?? 0 > 0 {
                throw .empty(
                    "no \(kind.rawValue) descriptors for model \(model.id) yet (the index was made before they existed); "
                        + "run `vggbatch scan` again to compute them")
            }
            throw .empty("no feature vectors for model \(model.id) yet; run `vggbatch scan`")
        }
        return SearchContext(index: index, model: model, rows: rows, pool: ThreadPool(threadCount: threads), kernels: kernels, kind: kind)
    }

    /// Whether the model has ImageNet labels (its weights are not a pool5 `_notop` file).
    public var hasLabels: Bool { VGGArchitecture(metadataValue: model.architecture)?.hasClassifier ?? true }

    /// The layer whose output the model stores as features: "fc7", or "pool5" for a network
    /// that ends there.
    public var featureLayer: String { hasLabels ? "fc7" : "pool5" }

    /// The searched vectors' name for a person: fc7, pool5, gem or rmac.
    public var featureName: String { kind.name(hasClassifier: hasLabels) }

    /// Length of the searched vectors.
    public var dimension: Int {
        kind == .network ? model.featureDimension : VGGArchitecture(metadataValue: model.architecture)?.descriptorWidth ?? 512
    }

    /// Every pooled descriptor of the rows, unit vectors, rows × dimension.
    public func descriptors() throws(QueryError) -> [Float] {
        do throws(StoreError) {
            return try index.search.descriptors(modelID: model.id, kind: kind, rows: rows, dimension: dimension)
        } catch {
            throw .store(error)
        }
    }

    /// Every row's estimated cosine with `query` and its error bound, from the stored codes
    /// (fc7, pool5), or exact from the descriptors as they stream past (GeM, R-MAC: 2 KB a row).
    public func estimates(for query: [Float]) throws(QueryError) -> SearchEstimates {
        if kind != .network {
            do throws(StoreError) {
                let scores = try index.search.descriptorScores(modelID: model.id, kind: kind, rows: rows, query: query)
                return SearchEstimates(estimates: scores, errors: [Float](repeating: 0, count: rows.count))
            } catch {
                throw .store(error)
            }
        }
        let scorer = CodeScorer(query: query, kernels: kernels)
        var estimates: SearchEstimates
        do throws(StoreError) {
            estimates = try index.search.searchEstimates(modelID: model.id, rows: rows, dimension: query.count) { scorer.score(code: $0, scale: $1) }
        } catch {
            throw .store(error)
        }
        // Rows without a stored code are coded here from their float vectors, as a scan would.
        for start in stride(from: 0, to: estimates.missing.count, by: 512) {
            let chunk = Array(estimates.missing[start..<min(start + 512, estimates.missing.count)])
            let vectors: [[Float]?]
            do throws(StoreError) {
                vectors = try index.search.features(imageIDs: chunk.map { rows.imageIDs[$0] }, modelID: model.id)
            } catch {
                throw .store(error)
            }
            for (row, vector) in zip(chunk, vectors) {
                guard let vector, vector.count == query.count else {
                    throw .inconsistent("the feature vector of image \(rows.imageIDs[row]) does not have \(query.count) values")
                }
                let code = FeatureCode(vector: vector)
                estimates.estimates[row] = code.code.withUnsafeBytes { scorer.score(code: $0, scale: code.scale) }
                estimates.errors[row] = code.error
            }
        }
        estimates.computed = estimates.missing.count
        return estimates
    }

    /// The basis coordinates of every row; rows without a stored projection (a scan stopped
    /// while rebuilding them) are projected here from their float vectors.
    public func projections() throws(QueryError) -> SearchProjections {
        if kind != .network {
            // The descriptors are their own exact coordinates (residual 0).
            return SearchProjections(
                rank: dimension, coordinates: try descriptors(), residuals: [Float](repeating: 0, count: rows.count), missing: [])
        }
        let stored: StoredBasis?
        var projections: SearchProjections
        do throws(StoreError) {
            stored = try index.search.basis(modelID: model.id)
            projections = try index.search.searchProjections(modelID: model.id, rows: rows, rank: stored?.rank ?? 1)
        } catch {
            throw .store(error)
        }
        // No basis yet (a scan stopped before it wrote one): learn one here from the float
        // vectors, as the scan would, and project every row with it; the answer is exact either
        // way, the next scan stores it.
        let basis: FeatureBasis
        if let stored {
            basis = FeatureBasis(rank: stored.rank, dimension: stored.dimension, rows: stored.rows, kernels: kernels)
        } else {
            basis = try learnedBasis()
        }
        if stored?.rank != basis.rank {
            projections = SearchProjections(
                rank: basis.rank, coordinates: [Float](repeating: 0, count: rows.count * basis.rank),
                residuals: [Float](repeating: 0, count: rows.count), missing: Array(0..<rows.count))
        }
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

    /// A basis learned from up to `SearchMaintenance.sampleLimit` rows spread over the index,
    /// with the scan's rank and seed.
    private func learnedBasis() throws(QueryError) -> FeatureBasis {
        let step = max(1, rows.count / FeatureBasis.learningSampleLimit)
        let samples = try fullVectors(Array(stride(from: 0, to: rows.count, by: step).prefix(FeatureBasis.learningSampleLimit)))
            .filter { vector in vector.contains { $0 != 0 } }
        guard let dimension = samples.first?.count else { throw .empty("no feature vector of model \(model.id) has a direction") }
        let rank = min(FeatureBasis.learningRankLimit, samples.count, dimension)
        return FeatureBasis.learn(samples: samples, rank: rank, seed: 1, pool: pool, kernels: kernels)
    }

    /// Unit full vectors of these rows, read from the index (a vector with no direction
    /// stays as it is and scores 0).
    public func fullVectors(_ rows: [Int]) throws(QueryError) -> [[Float]] {
        let vectors: [[Float]?]
        do throws(StoreError) {
            let ids = rows.map { self.rows.imageIDs[$0] }
            vectors = kind == .network
                ? try index.search.features(imageIDs: ids, modelID: model.id) : try index.search.descriptors(imageIDs: ids, modelID: model.id, kind: kind)
        } catch {
            throw .store(error)
        }
        return vectors.map { vector in
            var unit = vector ?? []
            if !UnitVector.normalise(&unit) { unit = [Float](repeating: 0, count: unit.count) }
            return unit
        }
    }

    /// Row `row`'s path for a person (one line; see `PathBytes.display`).
    public func display(_ row: Int) -> String { PathBytes.display(rows.paths[row]) }

    /// Row `row`'s path for JSON and CSV (exact when it is UTF-8; see `PathBytes.text`).
    public func text(_ row: Int) -> String { PathBytes.text(rows.paths[row]) }
}
