
/// What the reading commands (status, show, export, roots, similar, duplicates, report) need
/// from an index: SQLite (`IndexDatabase`, read-only) and PostgreSQL implement it.
public protocol IndexReader: SearchData {
    /// The database, for messages (a path or a URL without its password).
    var location: String { get }
    /// Bytes the index takes where it is stored, when known.
    var storedBytes: Int64? { get }

    /// Per-root counts by status, by path.
    func rootStatuses() throws(StoreError) -> [RootStatus]
    func models() throws(StoreError) -> [StoredModel]
    /// The model commands use unless told: the one with results for the most images; among
    /// equals, the one the last scan used.
    func defaultModel() throws(StoreError) -> StoredModel?
    /// The model with this id, or the default one when `id` is nil.
    func model(id: Int64?) throws(StoreError) -> StoredModel?
    /// The last scan run (a run recorded as running with no live scan is reported interrupted).
    func lastRun() throws(StoreError) -> RunRecord?
    /// Failed files with their reasons, by path.
    func failures() throws(StoreError) -> [(path: [UInt8], reason: String)]
    /// The most frequent top-1 classes of a model's ok images: (class index, images), most first.
    func topClasses(modelID: Int64, limit: Int) throws(StoreError) -> [(index: Int, count: Int)]
    /// Everything stored for the file at an absolute path, found through its root.
    func details(absolutePath: [UInt8]) throws(StoreError) -> ImageDetails?
    /// Every ok image with results for the model, by path, row by row to `body` (never all
    /// in memory); returns how many.
    @discardableResult
    func exportRows(modelID: Int64, includeFeatures: Bool, _ body: (ExportRow) throws -> Void) throws -> Int
    /// Every image's predictions for a model, best first.
    func allPredictions(modelID: Int64) throws(StoreError) -> [Int64: [(index: Int, probability: Double)]]
    /// The top-5 class indices of the given images (all images when nil).
    func topFiveClasses(modelID: Int64, imageIDs: [Int64]?) throws(StoreError) -> [Int64: [Int]]
    /// The id of the ok image at an absolute path, if indexed.
    func imageID(absolutePath: [UInt8]) throws(StoreError) -> Int64?
    /// The shared work queue's counts; nil for an index without one (SQLite).
    func queueStatus() throws(StoreError) -> QueueStatus?
}
