
/// What indexing needs from an index besides each file's rows (`ScanIndex`): runs, models,
/// roots and the compact search data. SQLite (`SQLiteIndexWriter`) and PostgreSQL implement
/// it; whoever opens one holds the right to write (the scan lock, or the queue's lease).
public protocol IndexWriter: AnyObject {
    /// The database, for messages (a path or a URL without its password).
    var location: String { get }

    func roots() throws(StoreError) -> [StoredRoot]
    func models() throws(StoreError) -> [StoredModel]
    /// The model commands use unless told: the one with the most images (see `StoredModel`).
    func defaultModel() throws(StoreError) -> StoredModel?
    /// Folds every root that lies inside another into the outermost one (an index written
    /// before roots were kept apart), in one transaction.
    func foldNestedRoots() throws(StoreError) -> [FoldedRoot]

    /// The id of the model row for these weights and preprocessing, creating it if new.
    func registerModel(_ registration: ModelRegistration) throws(StoreError) -> Int64
    /// Records where the model's weights file was found.
    func recordWeightsLocation(modelID: Int64, _ location: WeightsLocation) throws(StoreError)
    /// Records the start of a scan (runs left running by a dead process become interrupted).
    func beginRun(options: String, modelID: Int64) throws(StoreError) -> Int64
    func finishRun(_ id: Int64, status: String, counts: RunCounts) throws(StoreError)
    /// A function that records the run as interrupted through a connection of its own, for
    /// a process about to exit on a signal while a write may be under way. Best effort.
    func interruptionRecorder(runID: Int64) -> @Sendable () -> Void
    /// The per-file traffic of run `runID` for model `modelID`.
    func scanIndex(runID: Int64, modelID: Int64) -> any RunScanIndex

    // MARK: Compact search data, brought up to date after a scan

    func featureCount(modelID: Int64) throws(StoreError) -> Int
    /// Up to `limit` images that have features but no int8 code yet.
    func featuresWithoutCode(modelID: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])]
    /// Stores the codes (replacing any), in one transaction.
    func storeCodes(_ codes: [(imageID: Int64, code: FeatureCode)], modelID: Int64) throws(StoreError)
    func basis(modelID: Int64) throws(StoreError) -> StoredBasis?
    /// Up to `limit` feature vectors spread evenly over the model's images.
    func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]]
    /// Replaces the model's basis (its old projections go with it), in one transaction.
    func replaceBasis(modelID: Int64, _ basis: StoredBasis) throws(StoreError)
    /// Up to `limit` images that have features but no projection yet.
    func featuresWithoutProjection(modelID: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])]
    /// Stores the projections (replacing any), in one transaction.
    func storeProjections(_ rows: [(imageID: Int64, coordinates: [Float], residual: Float)], modelID: Int64) throws(StoreError)

    // MARK: Forgetting

    func rootStatuses() throws(StoreError) -> [RootStatus]
    /// Deletes the rows of files marked missing (and their results); returns how many.
    func pruneMissing() throws(StoreError) -> Int
    /// Forgets a root and every row under it; returns how many image rows went.
    func removeRoot(_ root: StoredRoot) throws(StoreError) -> Int

    /// Closes the connections (a SQLite index is checkpointed into one file).
    func close()
}

/// A run's per-file traffic, which also says which known roots a new root took over.
public protocol RunScanIndex: ScanIndex {
    var folded: [FoldedRoot] { get }
}

/// An index many machines write to through a shared work queue (PostgreSQL): besides what a
/// scan does, it lets a worker find the model files wait for and announce itself.
public protocol SharedIndexWriter: IndexWriter {
    /// Models that have files waiting in the queue (pending, or claimed with an expired
    /// lease), with how many, most first.
    func waitingModels() throws(StoreError) -> [(model: StoredModel, waiting: Int)]
    /// Records this process as a worker for `modelID` (for `status`).
    func registerWorker(modelID: Int64) throws(StoreError)
}
