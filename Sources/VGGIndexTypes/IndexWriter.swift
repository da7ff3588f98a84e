/// An index opened for writing, as a scan, a worker, an import or a maintenance command
/// sees it: its stores, each for one concern, and the per-file traffic of a run. Whoever
/// opens one holds the right to write (the scan lock, or the queue's lease) until `close`.
open class IndexWriter {
    /// The database, for messages (a path or a URL without its password).
    public let location: String
    public let models: any ModelRegistry
    public let roots: any RootMaintenance
    public let runs: any RunRecorder
    public let search: any SearchDataWriter
    /// The shared work queue's workers; nil for an index one machine scans (SQLite).
    public let workers: (any WorkerRegistry)?
    /// What an approximate index reads from (and records in) this index; nil where there is none.
    public let approximate: (any ApproximateData)?
    private let openScanIndex: (_ runID: Int64, _ modelID: Int64) -> any ScanIndex
    private let closeConnections: () -> Void

    /// `scanIndex` opens the per-file traffic of a run; `close` closes the connections and
    /// gives up the right to write.
    public init(
        location: String, models: any ModelRegistry, roots: any RootMaintenance, runs: any RunRecorder, search: any SearchDataWriter,
        workers: (any WorkerRegistry)? = nil, approximate: (any ApproximateData)? = nil, scanIndex: @escaping (_ runID: Int64, _ modelID: Int64) -> any ScanIndex,
        close: @escaping () -> Void
    ) {
        self.location = location
        self.models = models
        self.roots = roots
        self.runs = runs
        self.search = search
        self.workers = workers
        self.approximate = approximate
        openScanIndex = scanIndex
        closeConnections = close
    }

    /// The per-file traffic of run `runID` for model `modelID`.
    public func scanIndex(runID: Int64, modelID: Int64) -> any ScanIndex { openScanIndex(runID, modelID) }

    /// Closes the connections (a SQLite index is checkpointed into one file).
    public func close() { closeConnections() }
}
