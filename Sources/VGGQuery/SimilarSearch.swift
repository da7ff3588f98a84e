import Foundation
import VGGCommon
import VGGEngine
import VGGImaging
import VGGIndexTypes
import VGGInference
import VGGModel
import VGGSearch

/// `similar`: the indexed photos nearest to one or more query images, exactly.
///
/// A query is an indexed file (its stored vector is used, whether or not the file is still
/// there) or any image, run through the index's own model: the weights file the index last
/// found, or the one given. Several queries search by their mean direction.
public struct SimilarSearch {
    public var queries: [String]
    public var limit: Int
    public var minimumScore: Float
    /// Only results under this folder (as given on the command line).
    public var under: String?
    /// Only results with this ImageNet label or WordNet id among their top 5.
    public var label: String?
    public var includeSelf: Bool
    /// Weights for queries outside the index (the remembered model's file when nil).
    public var weights: String?

    public init(
        queries: [String], limit: Int = 10, minimumScore: Float = -1, under: String? = nil, label: String? = nil,
        includeSelf: Bool = false, weights: String? = nil
    ) {
        self.queries = queries
        self.limit = limit
        self.minimumScore = minimumScore
        self.under = under
        self.label = label
        self.includeSelf = includeSelf
        self.weights = weights
    }

    /// What a search found, and what it cost.
    public struct Answer {
        /// Best first: index rows of `SearchContext.rows` and their exact cosines.
        public var results: [(row: Int, score: Float)]
        /// Rows of the queries that are indexed files.
        public var queryRows: [Int]
        /// Top-5 class indices of the results (of every image when a label filter ran).
        public var topClasses: [Int64: [Int]]
        /// Why there are no results, in a few words (nil when there are some).
        public var emptyReason: String?
        public var statistics: SearchStatistics
        /// Rows whose code was made from the float vector (no stored code).
        public var estimatesComputed: Int
        public var scoringSeconds: Double
        public var verifyingSeconds: Double
    }

    /// Runs the search on `context`. Query files that are not indexed must exist (checked
    /// before any weights are loaded); they are computed with `engine`. `onWarning` hears the
    /// lines a person should see as they arise (remembered weights that moved).
    public func run(
        _ context: SearchContext, engine: EngineOptions, environment: [String: String], onWarning: (String) -> Void = { _ in }
    ) throws(QueryError) -> Answer {
        let (underFolder, allowedClasses) = try filters(model: context.model)
        let (query, queryRows) = try queryVector(context, engine: engine, environment: environment, onWarning: onWarning)
        let rows = context.rows
        var allowed = [Bool](repeating: true, count: rows.count)
        if !includeSelf { for row in queryRows { allowed[row] = false } }
        if let underFolder {
            for row in allowed.indices where !PathBytes.isWithin(rows.paths[row], folder: underFolder) { allowed[row] = false }
        }
        var topClasses = [Int64: [Int]]()
        do throws(StoreError) {
            if let allowedClasses {
                topClasses = try context.index.results.topFiveClasses(modelID: context.model.id, imageIDs: nil)
                for row in allowed.indices where allowed[row] {
                    allowed[row] = !(topClasses[rows.imageIDs[row]] ?? []).allSatisfy { !allowedClasses.contains($0) }
                }
            }
        } catch {
            throw .store(error)
        }
        let loading = Date()
        let estimates = try context.estimates(for: query)
        let index = NeighbourSearch(
            query: query, estimates: estimates.estimates, errors: estimates.errors, kernels: context.kernels,
            fullVectors: { try context.fullVectors($0) })
        let started = Date()
        let found: (matches: [(row: Int, score: Float)], statistics: SearchStatistics)
        do {
            found = try index.nearestWithStatistics(k: limit, minimumScore: minimumScore, allowed: { allowed[$0] })
        } catch let error as QueryError {
            throw error
        } catch {
            throw .inconsistent("\(error)")
        }
        let verifying = Date().timeIntervalSince(started)
        do throws(StoreError) {
            if allowedClasses == nil {
                topClasses = try context.index.results.topFiveClasses(modelID: context.model.id, imageIDs: found.matches.map { rows.imageIDs[$0.row] })
            }
        } catch {
            throw .store(error)
        }
        return Answer(
            results: found.matches, queryRows: queryRows, topClasses: topClasses,
            emptyReason: found.matches.isEmpty ? emptyReason(allowed: allowed) : nil, statistics: found.statistics,
            estimatesComputed: estimates.computed, scoringSeconds: started.timeIntervalSince(loading), verifyingSeconds: verifying)
    }

    /// The folder of `under` and the classes of `label`, or the refusal of either: checked
    /// before any search (and before the approximate path says it leaves them to the exact
    /// one).
    func filters(model: StoredModel) throws(QueryError) -> (underFolder: [UInt8]?, classes: Set<Int>?) {
        var underFolder: [UInt8]?
        if let under {
            guard PathBytes.kind(under) == .directory else { throw .invalidArgument("--under \(under): no such folder.") }
            underFolder = PathBytes.absolute(under)
        }
        let classes = try label.map { label throws(QueryError) in try ImageNetLabels.classes(named: label) }
        if classes != nil && !model.architecture.hasClassifier {
            throw .invalidArgument("--label: model \(model.id) has no labels (its weights end at pool5).")
        }
        return (underFolder, classes)
    }

    /// Why a valid search found nothing, in a few words.
    private func emptyReason(allowed: [Bool]) -> String {
        guard !allowed.contains(true) else { return String(format: "no photo scores %.4f or more", minimumScore) }
        var filters = [String]()
        if let under { filters.append("under \(under)") }
        if let label { filters.append("with \"\(label)\" among its top 5 labels") }
        return filters.isEmpty ? "nothing is indexed but the queries" : "nothing is indexed " + filters.joined(separator: " and ")
    }

    /// The unit query direction and the rows of queries that are indexed files.
    private func queryVector(
        _ context: SearchContext, engine: EngineOptions, environment: [String: String], onWarning: (String) -> Void
    ) throws(QueryError) -> ([Float], [Int]) {
        let (direction, ids) = try queryDirection(
            index: context.index, model: context.model, kind: context.kind, dimension: context.dimension, name: context.featureName,
            engine: engine, environment: environment, onWarning: onWarning
        ) { id throws(QueryError) in
            guard let row = context.rows.rowOf[id] else { return nil }
            return try context.fullVectors([row]).first
        }
        return (direction, ids.compactMap { context.rows.rowOf[$0] })
    }

    /// The unit mean direction of the queries' vectors of `kind`: an indexed file's stored
    /// one (`stored` gives it by image id, nil when there is none), any other image computed
    /// with `model` (checked to exist before any weights are touched). Returns it with the
    /// ids of the images whose stored vectors were used, in query order.
    func queryDirection(
        index: IndexReader, model: StoredModel, kind: FeatureKind, dimension: Int, name: String, engine: EngineOptions,
        environment: [String: String], onWarning: (String) -> Void, stored: (Int64) throws(QueryError) -> [Float]?
    ) throws(QueryError) -> ([Float], [Int64]) {
        var sum = [Float](repeating: 0, count: dimension)
        var used = [Int64]()
        var computed = [String]()
        func add(_ vector: [Float]) throws(QueryError) {
            guard vector.count == dimension else {
                throw .inconsistent("a \(name) vector of \(vector.count) values where the index has \(dimension)")
            }
            var unit = vector
            if UnitVector.normalise(&unit) { for i in sum.indices { sum[i] += unit[i] } }
        }
        for image in queries {
            let id: Int64?
            do throws(StoreError) {
                id = try index.results.imageID(absolutePath: PathBytes.absolute(image))
            } catch {
                throw .store(error)
            }
            if let id, let vector = try stored(id) {
                used.append(id)
                try add(vector)
                continue
            }
            // Not indexed: it must be there to be computed, which is checked before any
            // weights are touched.
            switch PathBytes.kind(image) {
            case .file: computed.append(image)
            case .missing: throw .invalidArgument("\(image): no such file (and not in the index).")
            case .directory, .other: throw .invalidArgument("\(image): not an image file.")
            }
        }
        if !computed.isEmpty {
            for vector in try computeFeatures(computed, model: model, kind: kind, engine: engine, environment: environment, onWarning: onWarning) {
                try add(vector)
            }
        }
        guard UnitVector.normalise(&sum) else { throw .empty("the query images have all-zero features; nothing is similar to them") }
        return (sum, used)
    }

    /// Features of images not in the index, with the index's own model and preprocessing.
    func computeFeatures(
        _ paths: [String], model: StoredModel, kind: FeatureKind, engine: EngineOptions, environment: [String: String],
        onWarning: (String) -> Void
    ) throws(QueryError) -> [[Float]] {
        var options = engine
        options.maxBatchSize = min(8, paths.count)
        // In the model's own precision, so the query compares with the index as its files do.
        options.precision = model.precision
        // VGGBATCH_WEIGHTS set for another model (the default of every command) gives way to
        // the file this model was computed with; --weights, named here, does not.
        let request = WeightsRequest(
            path: weights, preprocess: model.preprocessing, remembered: model, requireRemembered: true,
            environmentGivesWayFor: "\(paths[0]) is computed")
        let loaded: LoadedModel
        do throws(InferenceError) {
            loaded = try LoadedModel.load(request, engine: options, environment: environment, onWarning: onWarning)
        } catch {
            throw .inference(error)
        }
        guard loaded.mismatch(with: model) == nil else {
            throw .invalidArgument(
                "\(paths[0]) is not indexed, and the weights found (\(loaded.identity.path)) are not the index's model "
                    + "(sha256 \(model.weightsSHA256.prefix(12))…); pass --weights with that file")
        }
        let preparation: ImagePreparation
        do throws(InferenceError) {
            preparation = try loaded.preparation(ImagePreparation(policy: model.resizePolicy, color: model.color))
        } catch {
            throw .inference(error)
        }
        let classifier = FileBatchClassifier(model: loaded, preparation: preparation)
        var features = [[Float]]()
        var start = 0
        while start < paths.count {
            let batch = Array(paths[start..<min(start + options.maxBatchSize, paths.count)])
            for result in classifier.classify(batch) {
                switch result.outcome {
                case .success(let output): features.append(output.result.vector(kind))
                case .failure(let error): throw .query(path: result.path, reason: error.reason)
                }
            }
            start += batch.count
        }
        return features
    }
}
