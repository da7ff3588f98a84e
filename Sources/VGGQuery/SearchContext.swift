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
    private let vectors: any SearchedVectors

    /// The chosen model (default: the one with the most images), its images that have a
    /// vector of `kind`, and how to read them.
    public static func load(
        index: IndexReader, modelID requested: Int64?, threads: Int, kernels: KernelSet = .default, kind: FeatureKind = .network
    ) throws(QueryError) -> SearchContext {
        let model = try chooseModel(index: index, requested: requested)
        let pool = ThreadPool(threadCount: threads)
        let vectors: any SearchedVectors = kind == .network
            ? NetworkVectors(search: index.search, modelID: model.id, dimension: model.featureDimension, pool: pool, kernels: kernels)
            : DescriptorVectors(
                search: index.search, modelID: model.id, kind: kind,
                dimension: model.architecture.descriptorWidth)
        let rows: SearchRows
        do throws(StoreError) {
            rows = try vectors.rows()
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
        return SearchContext(index: index, model: model, rows: rows, pool: pool, kernels: kernels, kind: kind, vectors: vectors)
    }

    /// The model asked for, or the default one; refused when there is none.
    static func chooseModel(index: IndexReader, requested: Int64?) throws(QueryError) -> StoredModel {
        try chooseModel(models: index.models, requested: requested)
    }

    /// The model asked for, or the default one, from `models`; refused when there is none.
    public static func chooseModel(models catalog: any ModelCatalog, requested: Int64?) throws(QueryError) -> StoredModel {
        // One look at the models: counting their images costs a pass over an index of the
        // prediction table (25 ms at a million images).
        let chosen: StoredModel?
        let empty: Bool
        do throws(StoreError) {
            if let requested {
                chosen = try catalog.model(id: requested)
                empty = chosen == nil ? try catalog.defaultModel() == nil : false
            } else {
                chosen = try catalog.defaultModel()
                empty = chosen == nil
            }
        } catch {
            throw .store(error)
        }
        guard !empty else { throw .empty("the index is empty; run `vggbatch scan DIR` first") }
        guard let model = chosen else {
            throw .invalidArgument("no model \(requested.map(String.init) ?? "") in the index (see `vggbatch status`)")
        }
        return model
    }

    /// Whether the model has ImageNet labels (its weights are not a pool5 `_notop` file).
    public var hasLabels: Bool { model.architecture.hasClassifier }

    /// The layer whose output the model stores as features: "fc7", or "pool5" for a network
    /// that ends there.
    public var featureLayer: String { FeatureKind.network.name(hasClassifier: hasLabels) }

    /// The searched vectors' name for a person: fc7, pool5, gem or rmac.
    public var featureName: String { kind.name(hasClassifier: hasLabels) }

    /// Length of the searched vectors.
    public var dimension: Int { vectors.dimension }

    /// Every row's estimated cosine with the unit `query` and its error bound: from the stored
    /// codes (fc7, pool5), or exact from the descriptors as they stream past (GeM, R-MAC).
    public func estimates(for query: [Float]) throws(QueryError) -> SearchEstimates {
        try vectors.estimates(for: query, rows: rows)
    }

    /// Every row's coordinates in a small space where dot products approximate cosines, with
    /// each row's residual: the basis projections (fc7, pool5), or the descriptors themselves.
    public func projections() throws(QueryError) -> SearchProjections {
        try vectors.projections(rows: rows)
    }

    /// Unit vectors of these rows for an exact verification: from `projections` when they are
    /// exact, else read from the index.
    public func exactVectors(_ rows: [Int], projections: SearchProjections) throws(QueryError) -> [[Float]] {
        guard vectors.projectionsAreExact else { return try fullVectors(rows) }
        let rank = projections.rank
        return rows.map { Array(projections.coordinates[($0 * rank)..<(($0 + 1) * rank)]) }
    }

    /// Unit vectors of these rows, read from the index (a vector with no direction stays as it
    /// is and scores 0).
    public func fullVectors(_ rows: [Int]) throws(QueryError) -> [[Float]] {
        do throws(StoreError) {
            return try vectors.vectors(imageIDs: rows.map { self.rows.imageIDs[$0] }).map { SearchDataMaking.unit($0 ?? []) }
        } catch {
            throw .store(error)
        }
    }

    /// Row `row`'s path for a person (one line; see `PathBytes.display`).
    public func display(_ row: Int) -> String { PathBytes.display(rows.paths[row]) }

    /// Row `row`'s path for JSON and CSV (exact when it is UTF-8; see `PathBytes.text`).
    public func text(_ row: Int) -> String { PathBytes.text(rows.paths[row]) }
}
