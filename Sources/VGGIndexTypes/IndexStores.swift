import VGGCommon

// The stores an index is made of, one per concern. The reading commands see the read half
// of each (`IndexReader`), a scan or a maintenance command the write half (`IndexWriter`);
// SQLite and PostgreSQL implement them once, in VGGSQL.

/// The models an index holds results of: the weights, preprocessing and resize policy each
/// result was computed with.
public protocol ModelCatalog: AnyObject {
    /// Every model, by id.
    func all() throws(StoreError) -> [StoredModel]
    /// The model commands use unless told: the one with results for the most images; among
    /// equals, the one the last scan used, then the newest. Its `imageCount` is only counted
    /// when there is more than one model to choose from (else 0).
    func defaultModel() throws(StoreError) -> StoredModel?
    /// The model with this id (its `imageCount` not counted: 0), or the default one when `id`
    /// is nil; nil when there is none.
    func model(id: Int64?) throws(StoreError) -> StoredModel?
}

/// `ModelCatalog` for a writer: models are registered as scans meet them.
public protocol ModelRegistry: ModelCatalog {
    /// The id of the model row for these weights and preprocessing, creating it if new.
    func register(_ registration: ModelRegistration) throws(StoreError) -> Int64
    /// Records where the model's weights file was found.
    func recordWeightsLocation(modelID: Int64, _ location: WeightsLocation) throws(StoreError)
}

/// The folders an index covers and the state of their files.
public protocol RootCatalog: AnyObject {
    /// Every root, by path.
    func all() throws(StoreError) -> [StoredRoot]
    /// Per-root counts by status, by path.
    func statuses() throws(StoreError) -> [RootStatus]
    /// Failed files with their reasons, by path.
    func failures() throws(StoreError) -> [(path: [UInt8], reason: String)]
    /// Indexed images by the format their content was decoded as, most first ("unknown" for
    /// images indexed before the format was recorded).
    func formats() throws(StoreError) -> [(format: String, images: Int)]
}

/// `RootCatalog` for a writer: forgetting files and repairing old layouts, each in one
/// transaction.
public protocol RootMaintenance: RootCatalog {
    /// Folds every root that lies inside another into the outermost one (an index written
    /// before roots were kept apart).
    func foldNested() throws(StoreError) -> [FoldedRoot]
    /// Forgets a root and every row under it; returns how many image rows went.
    func remove(_ root: StoredRoot) throws(StoreError) -> Int
    /// Deletes the rows of files marked missing (and their results); returns how many.
    func pruneMissing() throws(StoreError) -> Int
}

/// The scans an index has seen.
public protocol RunLog: AnyObject {
    /// The last scan run (a run recorded as running with no live scan is reported interrupted).
    func last() throws(StoreError) -> RunRecord?
}

/// The write half of the run log: a scan records its start and its end.
public protocol RunRecorder: AnyObject {
    /// Records the start of a scan (runs left running by a dead process become interrupted).
    func begin(options: String, modelID: Int64) throws(StoreError) -> Int64
    func finish(_ id: Int64, status: RunStatus, counts: RunCounts) throws(StoreError)
    /// A function that records the run as interrupted through a connection of its own, for
    /// a process about to exit on a signal while a write may be under way. Best effort.
    func interruptionRecorder(runID: Int64) -> @Sendable () -> Void
}

/// Each image's stored results: predictions, vectors and what is known of the file.
public protocol ResultStore: AnyObject {
    /// Everything stored for the file at an absolute path, found through its root.
    func details(absolutePath: [UInt8]) throws(StoreError) -> ImageDetails?
    /// The id of the ok image at an absolute path, if indexed.
    func imageID(absolutePath: [UInt8]) throws(StoreError) -> Int64?
    /// The most frequent top-1 classes of a model's ok images: (class index, images), most first.
    func topClasses(modelID: Int64, limit: Int) throws(StoreError) -> [(index: Int, count: Int)]
    /// Every ok image with results for the model, by path, row by row to `body` (never all
    /// in memory); returns how many.
    @discardableResult
    func exportRows(modelID: Int64, includeFeatures: Bool, _ body: (ExportRow) throws -> Void) throws -> Int
    /// Every image's predictions for a model, best first.
    func allPredictions(modelID: Int64) throws(StoreError) -> [Int64: [(index: Int, probability: Double)]]
    /// The top-5 class indices of the given images (all images when nil).
    func topFiveClasses(modelID: Int64, imageIDs: [Int64]?) throws(StoreError) -> [Int64: [Int]]
}

/// The write half of the compact search data, brought up to date after a scan: the int8
/// codes and the basis projections are computed by the writer (`SearchCoding`) and stored
/// here, each call in one transaction.
public protocol SearchDataWriter: AnyObject {
    func featureCount(modelID: Int64) throws(StoreError) -> Int
    /// Up to `limit` images with ids above `after` that have features but no int8 code yet,
    /// by image id (a caller walking them all passes the last id it got, so that no batch
    /// steps over the rows the batches before it filled).
    func featuresWithoutCode(modelID: Int64, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])]
    /// Stores the codes (replacing any).
    func storeCodes(_ codes: [(imageID: Int64, code: FeatureCode)], modelID: Int64) throws(StoreError)
    func basis(modelID: Int64) throws(StoreError) -> StoredBasis?
    /// Up to `limit` feature vectors spread evenly over the model's images (the sample a
    /// basis is learned from, by the writer or by a search that finds none stored).
    func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]]
    /// Replaces the model's basis (its old projections go with it).
    func replaceBasis(modelID: Int64, _ basis: StoredBasis) throws(StoreError)
    /// Up to `limit` images with ids above `after` that have features but no projection yet,
    /// by image id (as `featuresWithoutCode`).
    func featuresWithoutProjection(modelID: Int64, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])]
    /// Stores the projections (replacing any).
    func storeProjections(_ rows: [(imageID: Int64, coordinates: [Float], residual: Float)], modelID: Int64) throws(StoreError)
}

/// The workers of an index many machines write to through a shared work queue (PostgreSQL).
public protocol WorkerRegistry: AnyObject {
    /// Models that have files waiting in the queue (pending, or claimed with an expired
    /// lease), with how many, most first.
    func waitingModels() throws(StoreError) -> [(model: StoredModel, waiting: Int)]
    /// Records this process as a worker for `modelID` (for `status`).
    func register(modelID: Int64) throws(StoreError)
}
