import VGGIndexTypes

/// Counts a scan reports while it runs and when it ends.
public struct ScanProgress: Sendable, Equatable {
    /// Candidate files the walk has found so far.
    public var discovered = 0
    /// Files fully handled (written to the index, whatever the outcome).
    public var done = 0
    public var new = 0
    /// Files whose content changed: recomputed.
    public var changed = 0
    /// Same content with a new size, time or inode (touched, copied back): results kept.
    public var touched = 0
    /// Files that needed nothing from the walk on (their results may still have been
    /// computed now for a model that lacked them: see `inferred`).
    public var unchanged = 0
    public var moved = 0
    public var failed = 0
    /// Files put in the shared work queue for any worker to compute (PostgreSQL index).
    public var queued = 0
    /// Files claimed from the queue and written by this process (of its own scan's files,
    /// when it walks; a worker's every file).
    public var writtenFromQueue = 0
    /// Files another scan queued that this scan claimed and wrote (not in the other counts).
    public var forOthers = 0
    /// Images run through the network (results computed for the scan's model).
    public var inferred = 0
    /// Entries skipped by policy (symlinks not followed, non-regular files, loops).
    public var skipped = 0
    /// Of those, files in image formats vggbatch does not read, by format (GIF, BMP...).
    public var skippedFormats: [String: Int] = [:]
    /// Directories or entries that could not be read.
    public var unreadable = 0
    public var walkFinished = false
    public var seconds = 0.0
    /// With a work queue: set while nothing is free to claim and the queue waits for files
    /// other processes claimed.
    public var waiting: ClaimsElsewhere?

    public init() {}

    /// Network images per second so far.
    public var imagesPerSecond: Double { seconds > 0 ? Double(inferred) / seconds : 0 }
}

/// The result of a whole scan.
public struct ScanSummary: Sendable {
    public var progress: ScanProgress
    /// Files marked missing because they vanished from a fully walked root.
    public var missing = 0
    /// Roots that could not be walked (unmounted drive, removed folder): nothing under them
    /// was marked missing.
    public var unavailableRoots: [(path: String, reason: String)] = []
    /// Roots with places that could not be read (folders, files, link targets): nothing at or
    /// below those places was marked missing; the rest of the root was.
    public var incompleteRoots: [(path: String, places: Int)] = []
    /// Roots where most known files vanished at once: not marked missing, as a precaution.
    public var protectedRoots: [(path: String, vanished: Int, known: Int)] = []
    /// Files the index holds under the roots that could not be walked (none seen, none
    /// marked missing).
    public var unwalkedKnown = 0
    /// Vanished files not marked missing: those of the protected roots and of the roots that
    /// could not be walked; the index still calls them present.
    public var heldBack: Int { protectedRoots.reduce(0) { $0 + $1.vanished } + unwalkedKnown }
    /// Folders walked completely that hold no JPEG or PNG file.
    public var emptyFolders: [String] = []
    /// Problems met while walking: (path, reason).
    public var walkProblems: [(path: String, reason: String)] = []
    public var interrupted = false
    /// Seconds spent inside index writes (transactions), for the write-overhead figure.
    public var writeSeconds = 0.0
    /// Seconds spent in the network.
    public var inferenceSeconds = 0.0
    /// Processor time by stage, in core-seconds: reading, fingerprinting, decoding and
    /// resizing files (the decode threads); the network's threads; and the whole process,
    /// of which the rest (walking, batching, writing the index) is `otherCoreSeconds`.
    public var decodeCoreSeconds = 0.0
    public var engineCoreSeconds = 0.0
    public var processCoreSeconds = 0.0
    public var otherCoreSeconds: Double { max(0, processCoreSeconds - decodeCoreSeconds - engineCoreSeconds) }
}
