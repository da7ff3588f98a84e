import VGGCommon
import VGGImaging

/// How the index already knows a file.
public struct KnownFile: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok, failed, missing
    }

    public var imageID: Int64
    public var rootID: Int64
    public var relativePath: [UInt8]
    public var absolutePath: [UInt8]
    public var stat: FileStat
    public var fingerprint: [UInt8]?
    public var status: Status
    /// Whether predictions and features exist for the scan's model.
    public var hasResults: Bool
    /// Whether the pooled descriptors exist too (rows indexed before them lack them).
    public var hasDescriptors: Bool
    /// Results with nothing missing: nothing to compute for this content.
    public var isComplete: Bool { hasResults && hasDescriptors }

    public init(
        imageID: Int64, rootID: Int64, relativePath: [UInt8], absolutePath: [UInt8], stat: FileStat,
        fingerprint: [UInt8]?, status: Status, hasResults: Bool, hasDescriptors: Bool = true
    ) {
        self.imageID = imageID
        self.rootID = rootID
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.stat = stat
        self.fingerprint = fingerprint
        self.status = status
        self.hasResults = hasResults
        self.hasDescriptors = hasDescriptors
    }
}

/// A file found by the walk in one of the scan roots.
public struct FoundFile: Sendable, Equatable {
    public var rootID: Int64
    public var relativePath: [UInt8]
    public var absolutePath: [UInt8]
    public var stat: FileStat

    public init(rootID: Int64, relativePath: [UInt8], absolutePath: [UInt8], stat: FileStat) {
        self.rootID = rootID
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.stat = stat
    }
}

/// What the network said about one image.
public struct ClassifierOutput: Sendable, Equatable {
    /// The best classes, most probable first.
    public var top: [(index: Int, probability: Float)]
    /// The feature vector (fc7, or pool5 for a convolutions-only network).
    public var features: [Float]
    /// The GeM and R-MAC descriptors of the last convolution (empty when not computed).
    public var gem: [Float]
    public var rmac: [Float]

    public init(top: [(index: Int, probability: Float)], features: [Float], gem: [Float] = [], rmac: [Float] = []) {
        self.top = top
        self.features = features
        self.gem = gem
        self.rmac = rmac
    }

    /// The pooled descriptor of `kind` (`.network` is `features`).
    public func vector(_ kind: FeatureKind) -> [Float] { kind.pick(network: features, gem: gem, rmac: rmac) }

    public static func == (a: ClassifierOutput, b: ClassifierOutput) -> Bool {
        a.features == b.features && a.gem == b.gem && a.rmac == b.rmac && a.top.map(\.index) == b.top.map(\.index)
            && a.top.map(\.probability) == b.top.map(\.probability)
    }
}

/// The part of the index one walk covers: a whole scan root, or a folder inside one (a scan
/// of a subfolder of a known root updates that root's rows; it never makes a second root).
public struct ScanTarget: Sendable, Equatable {
    public var rootID: Int64
    /// The root's absolute path bytes.
    public var rootPath: [UInt8]
    /// The walked folder relative to the root; empty for the whole root.
    public var subpath: [UInt8]

    public init(rootID: Int64, rootPath: [UInt8], subpath: [UInt8]) {
        self.rootID = rootID
        self.rootPath = rootPath
        self.subpath = subpath
    }

    /// The folder to walk.
    public var path: [UInt8] { PathBytes.join(rootPath, subpath) }
}

/// One change to write to the index. Every record names its file; nothing is matched by
/// position.
public enum ScanRecord: Sendable {
    /// Seen again, unchanged: only its last-seen mark moves.
    case unchanged(KnownFile)
    /// Same content (fingerprint) with new size, time or inode: results are kept.
    case metadataChanged(KnownFile, FileStat)
    /// A vanished file's content found under a new path: its results move with it.
    case moved(from: KnownFile, to: FoundFile)
    /// Decoded and classified.
    case indexed(FoundFile, replacing: KnownFile?, fingerprint: [UInt8], width: Int, height: Int, output: ClassifierOutput)
    /// Could not be decoded; the reason is stored and the file is not retried until it changes.
    case failed(FoundFile, replacing: KnownFile?, fingerprint: [UInt8]?, reason: String)
}

extension ScanRecord {
    /// The file the record is about: its root and path below it.
    public var file: (rootID: Int64, relativePath: [UInt8]) {
        switch self {
        case .unchanged(let known), .metadataChanged(let known, _): return (known.rootID, known.relativePath)
        case .moved(_, let to): return (to.rootID, to.relativePath)
        case .indexed(let file, _, _, _, _, _), .failed(let file, _, _, _): return (file.rootID, file.relativePath)
        }
    }
}

/// The index as the scan needs it. Lookups may come from several threads at once; `write`
/// comes from one writer thread, and each call is one transaction.
public protocol ScanIndex: AnyObject {
    /// What a scan of this absolute folder covers: part of the known root that contains it,
    /// or a new root (which takes over the rows of known roots inside it).
    func target(for absolutePath: [UInt8]) throws -> ScanTarget
    /// What is stored for this path, if anything.
    func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile?
    /// Stored files with this content fingerprint whose file is gone (status missing, or no
    /// longer on disk), each handed out at most once per scan so two new paths cannot both
    /// take over the same results.
    func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile?
    /// Writes the records in one transaction.
    func write(_ records: [ScanRecord]) throws
    /// Of the files stored under the target (not already missing), how many this scan did not
    /// see, leaving out those at or below `unwalked` (paths relative to the root that the walk
    /// could not or would not enter: what is there was not seen, not found gone).
    func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int)
    /// Marks the target's unseen files missing (never deletes them), but for those at or below
    /// `unwalked`; returns how many.
    func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int
}

/// Runs batches of prepared images through the network.
public protocol BatchClassifier: AnyObject {
    /// Largest batch `classify` accepts.
    var maxBatchSize: Int { get }
    /// Classifies images already resized to the network's input (1...maxBatchSize of them);
    /// one output per image, in order.
    func classify(_ images: [RGBImage]) -> [ClassifierOutput]
    /// Processor seconds the network's threads have used so far (0 when not measured).
    var engineCPUSeconds: Double { get }
}

extension BatchClassifier {
    public var engineCPUSeconds: Double { 0 }
}
