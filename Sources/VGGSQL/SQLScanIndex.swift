import VGGCommon
import Foundation
import VGGIndexTypes

/// The index as the scan pipeline's `ScanIndex`: lookups on a read connection (shared by
/// the walker and decode threads under a lock), writes on the scan's one writer connection,
/// each batch of records in one transaction.
open class SQLScanIndex: ScanIndex {
    public let writer: SQLIndex
    public let reader: SQLIndex
    private let readerLock = NSLock()
    private var claimed = Set<Int64>()
    /// Roots of this scan that are there to walk: only their files can be known to be gone.
    private var walkedRoots = Set<Int64>()
    public let runID: Int64
    public let modelID: Int64

    public init(writer: SQLIndex, reader: SQLIndex, runID: Int64, modelID: Int64) {
        self.writer = writer
        self.reader = reader
        self.runID = runID
        self.modelID = modelID
    }

    /// Roots folded into a new root that contains them, for the summary.
    public private(set) var folded: [FoldedRoot] = []

    public func target(for absolutePath: [UInt8]) throws -> ScanTarget {
        let (scope, newlyFolded) = try writer.writeTransaction { () throws(StoreError) in try writer.roots.scope(for: absolutePath) }
        readerLock.lock()
        folded += newlyFolded
        if PathBytes.presence(absolutePath, followingSymlinks: true) == .directory { walkedRoots.insert(scope.root.id) }
        readerLock.unlock()
        return ScanTarget(rootID: scope.root.id, rootPath: scope.root.path, subpath: scope.subpath)
    }

    public func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? {
        readerLock.lock()
        defer { readerLock.unlock() }
        return try reader.files.image(rootID: rootID, relativePath: relativePath, modelID: modelID).map(Self.knownFile)
    }

    open func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? {
        readerLock.lock()
        defer { readerLock.unlock() }
        // A file counts as moved only from a root this scan walks (a file under another root,
        // perhaps on an unmounted drive, is not known to be gone) and only if nothing is at
        // its old path now, whatever its stored status says.
        for candidate in try reader.files.images(fingerprint: fingerprint, modelID: modelID, excludingRun: runID)
        where candidate.hasResults && mayHaveVanished(fromRoot: candidate.rootID, at: candidate.rootPath) && !claimed.contains(candidate.id) {
            let known = Self.knownFile(candidate)
            if PathBytes.presence(known.absolutePath) == .gone {
                claimed.insert(candidate.id)
                return known
            }
        }
        return nil
    }

    /// Whether files of this root can be known to be gone: the root is one this scan walks.
    open func mayHaveVanished(fromRoot rootID: Int64, at path: [UInt8]) -> Bool {
        walkedRoots.contains(rootID)
    }

    open func write(_ records: [ScanRecord]) throws {
        try writer.writeTransaction { () throws(StoreError) in try writeRecords(records, runID: runID) }
    }

    /// Writes the records inside the caller's transaction, as seen by run `runID`.
    public func writeRecords(_ records: [ScanRecord], runID: Int64) throws(StoreError) {
        let files = writer.files
        // Files seen for the first time go in together, a few statements for all of them.
        var new = [SQLFiles.Indexed]()
        for record in records {
            switch record {
            case .unchanged(let known):
                try files.touch(imageID: known.imageID, runID: runID)
            case .metadataChanged(let known, let stat):
                try files.updateStat(imageID: known.imageID, stat: stat, runID: runID)
            case .moved(let from, let to):
                try files.move(from, to: to, runID: runID)
            case .indexed(let file, let replacing, let fingerprint, let width, let height, let result, let format):
                let indexed = SQLFiles.Indexed(
                    file: file, fingerprint: fingerprint, width: width, height: height, result: result, format: format)
                if let replacing {
                    try files.storeIndexed(indexed, replacing: replacing.imageID, runID: runID, modelID: modelID)
                } else {
                    new.append(indexed)
                }
            case .failed(let file, let replacing, let fingerprint, let reason):
                try files.storeFailure(file, replacing: replacing?.imageID, fingerprint: fingerprint, reason: reason, runID: runID)
            }
        }
        try files.storeNewIndexed(new, runID: runID, modelID: modelID)
    }

    public func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) {
        try writer.files.vanished(in: Self.scope(target), runID: runID, unwalked: unwalked)
    }

    public func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int {
        try writer.writeTransaction { () throws(StoreError) in try writer.files.markMissing(in: Self.scope(target), runID: runID, unwalked: unwalked) }
    }

    private static func scope(_ target: ScanTarget) -> RootScope {
        RootScope(root: StoredRoot(id: target.rootID, path: target.rootPath), subpath: target.subpath)
    }

    public static func knownFile(_ image: StoredImage) -> KnownFile {
        KnownFile(
            imageID: image.id, rootID: image.rootID, relativePath: image.relativePath,
            absolutePath: PathBytes.join(image.rootPath, image.relativePath),
            stat: image.stat,
            fingerprint: image.fingerprint, status: image.status, hasResults: image.hasResults,
            hasDescriptors: image.hasDescriptors)
    }
}
