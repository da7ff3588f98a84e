import VGGCommon
import VGGEngine
import VGGIndexTypes
import VGGSearch

/// The stored forms of one kind of vector that a search reads. The network's own feature
/// vectors (fc7, pool5) are long, so a search scores their int8 codes and basis projections
/// and verifies with the floats; a pooled descriptor (GeM, R-MAC) is 512 floats, read exactly.
protocol SearchedVectors {
    /// Length of the vectors.
    var dimension: Int { get }
    /// Every image with a vector of this kind, sorted by path.
    func rows() throws(StoreError) -> SearchRows
    /// Every row's estimated cosine with the unit `query`, with its error bound.
    func estimates(for query: [Float], rows: SearchRows) throws(QueryError) -> SearchEstimates
    /// Coordinates of every row in a space of `rank` dimensions where dot products
    /// approximate cosines, with each row's residual (0 when exact).
    func projections(rows: SearchRows) throws(QueryError) -> SearchProjections
    /// The stored vectors of these images, in the order asked (nil where absent).
    func vectors(imageIDs: [Int64]) throws(StoreError) -> [[Float]?]
    /// Whether `projections` are the unit vectors themselves, so a verification needs not
    /// read the vectors again.
    var projectionsAreExact: Bool { get }
}

/// A pooled descriptor (GeM, R-MAC): scored exactly as the rows stream past.
struct DescriptorVectors: SearchedVectors {
    let search: any SearchData
    let modelID: Int64
    let kind: FeatureKind
    let dimension: Int

    var projectionsAreExact: Bool { true }

    func rows() throws(StoreError) -> SearchRows { try search.searchRows(modelID: modelID, descriptor: kind) }

    func estimates(for query: [Float], rows: SearchRows) throws(QueryError) -> SearchEstimates {
        do throws(StoreError) {
            let scores = try search.descriptorScores(modelID: modelID, kind: kind, rows: rows, query: query)
            return SearchEstimates(estimates: scores, errors: [Float](repeating: 0, count: rows.count))
        } catch {
            throw .store(error)
        }
    }

    /// The descriptors are their own exact coordinates (residual 0).
    func projections(rows: SearchRows) throws(QueryError) -> SearchProjections {
        do throws(StoreError) {
            return SearchProjections(
                rank: dimension, coordinates: try search.descriptors(modelID: modelID, kind: kind, rows: rows, dimension: dimension),
                residuals: [Float](repeating: 0, count: rows.count), missing: [])
        } catch {
            throw .store(error)
        }
    }

    func vectors(imageIDs: [Int64]) throws(StoreError) -> [[Float]?] {
        try search.descriptors(imageIDs: imageIDs, modelID: modelID, kind: kind)
    }
}

/// The network's own feature vectors, through their int8 codes and basis projections; rows
/// without them (a scan stopped before it stored them) are coded and projected here from the
/// floats, as the scan would, so that no image is ever left out.
struct NetworkVectors: SearchedVectors {
    let search: any SearchData
    let modelID: Int64
    let dimension: Int
    let pool: ThreadPool
    let kernels: KernelSet

    var projectionsAreExact: Bool { false }

    func rows() throws(StoreError) -> SearchRows { try search.searchRows(modelID: modelID) }

    func vectors(imageIDs: [Int64]) throws(StoreError) -> [[Float]?] { try search.features(imageIDs: imageIDs, modelID: modelID) }

    func estimates(for query: [Float], rows: SearchRows) throws(QueryError) -> SearchEstimates {
        let scorer = CodeScorer(query: query, kernels: kernels)
        var estimates: SearchEstimates
        do throws(StoreError) {
            estimates = try search.searchEstimates(modelID: modelID, rows: rows, dimension: query.count) { scorer.score(code: $0, scale: $1) }
        } catch {
            throw .store(error)
        }
        for start in stride(from: 0, to: estimates.missing.count, by: 512) {
            let chunk = Array(estimates.missing[start..<min(start + 512, estimates.missing.count)])
            let vectors = try floats(chunk.map { rows.imageIDs[$0] }, count: query.count)
            for (row, vector) in zip(chunk, vectors) {
                let code = SearchDataMaking.code(vector)
                estimates.estimates[row] = code.code.withUnsafeBytes { scorer.score(code: $0, scale: code.scale) }
                estimates.errors[row] = code.error
            }
        }
        estimates.computed = estimates.missing.count
        return estimates
    }

    func projections(rows: SearchRows) throws(QueryError) -> SearchProjections {
        let stored: StoredBasis?
        var projections: SearchProjections
        do throws(StoreError) {
            stored = try search.basis(modelID: modelID)
            projections = try search.searchProjections(modelID: modelID, rows: rows, rank: stored?.rank ?? 1)
        } catch {
            throw .store(error)
        }
        // No basis yet: learn one here, as the scan would; the answer is exact either way,
        // and the next scan stores it.
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
        let rank = basis.rank
        for start in stride(from: 0, to: projections.missing.count, by: 1024) {
            let chunk = Array(projections.missing[start..<min(start + 1024, projections.missing.count)])
            let vectors = try floats(chunk.map { rows.imageIDs[$0] }, count: basis.dimension)
            let (coordinates, residuals) = SearchDataMaking.projections(of: vectors, basis: basis, pool: pool)
            for (i, row) in chunk.enumerated() {
                projections.coordinates.replaceSubrange((row * rank)..<((row + 1) * rank), with: coordinates[(i * rank)..<((i + 1) * rank)])
                projections.residuals[row] = residuals[i]
            }
        }
        return projections
    }

    /// The basis the writer would learn and store (the same sample of the index, rank and
    /// seed), learned here for this answer only.
    private func learnedBasis() throws(QueryError) -> FeatureBasis {
        let samples: [[Float]]
        do throws(StoreError) {
            samples = try search.sampleFeatures(modelID: modelID, limit: FeatureBasis.learningSampleLimit)
        } catch {
            throw .store(error)
        }
        guard samples.allSatisfy({ $0.count == dimension }) else {
            throw .inconsistent("a sampled feature vector of model \(modelID) does not have \(dimension) values")
        }
        guard let (basis, _) = SearchDataMaking.basis(learnedFrom: samples, pool: pool, kernels: kernels) else {
            throw .empty("no feature vector of model \(modelID) has a direction")
        }
        return basis
    }

    /// The stored floats of these images, each checked to have `count` values.
    private func floats(_ imageIDs: [Int64], count: Int) throws(QueryError) -> [[Float]] {
        let vectors: [[Float]?]
        do throws(StoreError) {
            vectors = try search.features(imageIDs: imageIDs, modelID: modelID)
        } catch {
            throw .store(error)
        }
        var result = [[Float]]()
        for (id, vector) in zip(imageIDs, vectors) {
            guard let vector, vector.count == count else {
                throw .inconsistent("the feature vector of image \(id) does not have \(count) values")
            }
            result.append(vector)
        }
        return result
    }
}
