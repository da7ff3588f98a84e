import VGGCommon

/// A work queue shared by many machines (the PostgreSQL index): a scan puts the files that
/// need the network into it instead of decoding them itself, and every worker (the scan
/// included) claims batches, computes them and writes their results. A claim is a lease:
/// a worker that dies loses its files to the next one to claim after the lease runs out.
public protocol WorkQueue: AnyObject {
    /// Adds files to compute for this run, with the decode settings of the scan that found
    /// them, in one transaction. A file already waiting or claimed is not added twice.
    func enqueue(_ files: [FoundFile], settings: DecodeSettings) throws
    /// Claims up to `limit` files for this process (pending ones, and claims of others whose
    /// lease ran out), each with what the index holds for it; empty when none is free now.
    /// `onlyQueuedHere` leaves files other runs queued alone (a scan while it still walks:
    /// a file it has not reached yet may be one of its own).
    func claim(limit: Int, onlyQueuedHere: Bool) throws -> [ClaimedFile]
    /// Whether nothing of this model waits or is claimed, by anyone: the queue is done.
    func isFinished() throws -> Bool
    /// Files of this model claimed by other processes, which the queue waits for. Claims of a
    /// process of this machine that is no longer running are handed back first.
    func claimsElsewhere() throws -> ClaimsElsewhere
    /// Whether this process holds claims it has not written yet.
    var hasClaimsInFlight: Bool { get }
    /// Hands this process's claims that were never written back to the queue (after an
    /// interruption), so others need not wait for their leases to run out.
    func releaseClaims() throws
}

/// The decode settings a scan gives each file it queues, so every worker decodes it alike
/// (the resize policy and input size are the model's).
public struct DecodeSettings: Sendable, Equatable {
    /// Largest image, in pixels, decoded; larger ones fail.
    public var maxPixels: Int
    /// Whether JPEGs may decode at a reduced DCT scale.
    public var dctScaling: Bool

    public init(maxPixels: Int, dctScaling: Bool) {
        self.maxPixels = maxPixels
        self.dctScaling = dctScaling
    }
}

/// What the queue waits for from other processes.
public struct ClaimsElsewhere: Sendable, Equatable {
    /// Files claimed by other processes and not written yet.
    public var files: Int
    /// Seconds until the last of their leases runs out (then anyone may claim them).
    public var secondsLeft: Double
    /// Claims of stopped processes of this machine handed back just now.
    public var released: Int

    public init(files: Int, secondsLeft: Double, released: Int) {
        self.files = files
        self.secondsLeft = secondsLeft
        self.released = released
    }
}

/// A file handed out by a `WorkQueue`, with the decode settings of the scan that queued it
/// (the resize policy and input size are the model's).
public struct ClaimedFile: Sendable {
    public var file: FoundFile
    /// What the index holds for the file, looked up when it was claimed.
    public var known: KnownFile?
    public var settings: DecodeSettings
    /// How many times the file has been claimed, this claim included.
    public var attempts: Int
    /// Whether the run of this process queued the file (a scan also computes files other
    /// scans queued: those are not among the files it found).
    public var queuedHere: Bool

    public init(file: FoundFile, known: KnownFile?, settings: DecodeSettings, attempts: Int, queuedHere: Bool = false) {
        self.file = file
        self.known = known
        self.settings = settings
        self.attempts = attempts
        self.queuedHere = queuedHere
    }
}

extension WorkQueue {
    public func claim(limit: Int) throws -> [ClaimedFile] { try claim(limit: limit, onlyQueuedHere: false) }
}

extension ScanIndex {
    /// The shared queue behind this index, if it has one (PostgreSQL); nil for SQLite, where
    /// the scan computes every file itself.
    public var workQueue: WorkQueue? { (self as AnyObject) as? WorkQueue }
}
