/// An index opened for reading, as the reading commands (status, show, export, roots,
/// similar, duplicates, report) see it: its stores, each for one concern. SQLite and
/// PostgreSQL build one from their stores; tests build one from fakes.
public final class IndexReader {
    /// The database, for messages (a path or a URL without its password).
    public let location: String
    public let models: any ModelCatalog
    public let roots: any RootCatalog
    public let runs: any RunLog
    public let results: any ResultStore
    public let search: any SearchData
    /// What an approximate index reads from this index; nil where there is none (fakes).
    public let approximate: (any ApproximateData)?
    private let measure: () -> Int64?
    private let queueCounts: () throws(StoreError) -> QueueStatus?
    private let closeConnections: () -> Void

    /// `storedBytes` measures the database where it is stored; `queueStatus` counts the
    /// shared work queue (nil for an index without one); `close` closes the connections.
    public init(
        location: String, models: any ModelCatalog, roots: any RootCatalog, runs: any RunLog, results: any ResultStore,
        search: any SearchData, approximate: (any ApproximateData)? = nil, storedBytes: @escaping () -> Int64? = { nil },
        queueStatus: @escaping () throws(StoreError) -> QueueStatus? = { nil }, close: @escaping () -> Void = {}
    ) {
        self.location = location
        self.models = models
        self.roots = roots
        self.runs = runs
        self.results = results
        self.search = search
        self.approximate = approximate
        measure = storedBytes
        queueCounts = queueStatus
        closeConnections = close
    }

    /// Bytes the index takes where it is stored, when known.
    public var storedBytes: Int64? { measure() }

    /// The shared work queue's counts; nil for an index without one (SQLite).
    public func queueStatus() throws(StoreError) -> QueueStatus? { try queueCounts() }

    public func close() { closeConnections() }
}
