import VGGCommon

/// Where an index stands on the revisions of its vectors (`ApproximateData`).
public struct RevisionState: Sendable, Equatable {
    /// Names this index (and no other) for the approximate index files made from it.
    public var instance: String
    /// The highest revision a committed vector can have.
    public var revision: Int64

    public init(instance: String, revision: Int64) {
        self.instance = instance
        self.revision = revision
    }
}

/// An indexed image an approximate search proposed, as the database has it now.
public struct ApproximateCandidate: Sendable {
    public var imageID: Int64
    public var path: [UInt8]
    /// The stored vector (not scaled).
    public var vector: [Float]

    public init(imageID: Int64, path: [UInt8], vector: [Float]) {
        self.imageID = imageID
        self.path = path
        self.vector = vector
    }
}

/// The recall an approximate index was measured at (`vggbatch index check`).
public struct ApproximateCheck: Sendable, Equatable {
    /// The build it measured (`ApproximateIndex`'s build name).
    public var build: String
    public var checkedAt: String
    public var queries: Int
    public var probes: Int
    public var recallAt1: Double
    public var recallAt10: Double

    public init(build: String, checkedAt: String, queries: Int, probes: Int, recallAt1: Double, recallAt10: Double) {
        self.build = build
        self.checkedAt = checkedAt
        self.queries = queries
        self.probes = probes
        self.recallAt1 = recallAt1
        self.recallAt10 = recallAt10
    }
}

/// What an approximate index of one model's vectors of one kind (fc7 from the `feature`
/// table, GeM or R-MAC from `descriptor`) reads from the index it serves. The database stays
/// the source of truth: each vector carries the revision it was written at, so the rows an
/// approximate index does not hold are exactly those above the revision it was built or
/// updated at.
public protocol ApproximateData: AnyObject {
    /// The index's file, when it is one (an approximate index lives beside it); nil for a
    /// server, whose readers keep their own copies.
    var databaseFile: String? { get }

    /// The instance and the highest revision; nil for an index written before revisions
    /// existed (a scan migrates it). With `committed` (a build or a merge), every row at or
    /// below it is committed: on PostgreSQL this waits for the writers that drew a revision
    /// to commit; without it (a search), a writer may still hold one (nothing waits).
    func revisionState(committed: Bool) throws(StoreError) -> RevisionState?

    /// Records an approximate index file written from this index: its build and the revision
    /// it holds (earlier states of the build stay known: each is correct for the index).
    func registerFile(build: String, revision: Int64, modelID: Int64, kind: FeatureKind) throws(StoreError)

    /// Whether this index wrote (and still knows) the file of `build` at `revision`.
    func knowsFile(build: String, revision: Int64) throws(StoreError) -> Bool

    /// Every vector of `kind` of the model with a revision above `after` (every one when
    /// nil), whatever its image's status, in chunks of up to `chunk` rows: `body(ids, vectors,
    /// ok)` with the vectors row-major, `dimension` floats each, as stored, and whether each
    /// image is ok now.
    func forEachVector(
        modelID: Int64, kind: FeatureKind, after revision: Int64?, dimension: Int, chunk: Int,
        _ body: (_ imageIDs: [Int64], _ vectors: [Float], _ ok: [Bool]) throws -> Void
    ) throws

    /// The vectors of `kind` of these images whatever their status, in the order asked (nil
    /// where absent).
    func vectors(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [[Float]?]

    /// How many vectors of `kind` of the model have a revision above `revision`.
    func vectorCount(modelID: Int64, kind: FeatureKind, after revision: Int64?) throws(StoreError) -> Int

    /// The images among `imageIDs` that are ok now and have a vector of `kind`, with their
    /// paths and vectors (in no particular order).
    func candidates(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [ApproximateCandidate]

    /// The last recall measured for the model's approximate index of `kind`.
    func lastCheck(modelID: Int64, kind: FeatureKind) throws(StoreError) -> ApproximateCheck?

    /// Records a measured recall (replacing the last one).
    func recordCheck(_ check: ApproximateCheck, modelID: Int64, kind: FeatureKind) throws(StoreError)
}
