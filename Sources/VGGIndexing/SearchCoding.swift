import VGGIndexTypes
import VGGSearch

/// The write side's one place for a result's search code: a run's per-file traffic whose
/// new results get their int8 code (`FeatureCode`) here, just before the store writes them.
/// The store only stores what it is handed.
public enum SearchCoding {
    /// `index`, with a code computed for every result it writes (and still the work queue
    /// it was, if it was one).
    public static func coding(_ index: any ScanIndex) -> any ScanIndex {
        if index is WorkQueue { return CodingSharedScanIndex(index) }
        return CodingScanIndex(index)
    }

    /// `record` with its result's code, when it has a result.
    public static func coded(_ record: ScanRecord) -> ScanRecord {
        guard case .indexed(let file, let replacing, let fingerprint, let width, let height, var result, let format) = record else { return record }
        result.searchCode = FeatureCode(vector: result.features)
        return .indexed(file, replacing: replacing, fingerprint: fingerprint, width: width, height: height, result: result, format: format)
    }
}

class CodingScanIndex: ScanIndex {
    let base: any ScanIndex

    init(_ base: any ScanIndex) { self.base = base }

    var folded: [FoldedRoot] { base.folded }
    func target(for absolutePath: [UInt8]) throws -> ScanTarget { try base.target(for: absolutePath) }
    func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? { try base.knownFile(rootID: rootID, relativePath: relativePath) }
    func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? { try base.claimVanishedFile(fingerprint: fingerprint) }
    func write(_ records: [ScanRecord]) throws { try base.write(records.map(SearchCoding.coded)) }
    func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) {
        try base.vanished(in: target, unwalked: unwalked)
    }
    func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int {
        try base.markVanishedMissing(in: target, unwalked: unwalked)
    }
}

/// The same over a shared queue: the queue calls go to the queue as they are.
final class CodingSharedScanIndex: CodingScanIndex, WorkQueue {
    private var queue: WorkQueue { base as! WorkQueue }

    func enqueue(_ files: [FoundFile], settings: DecodeSettings) throws { try queue.enqueue(files, settings: settings) }
    func claim(limit: Int, onlyQueuedHere: Bool) throws -> [ClaimedFile] { try queue.claim(limit: limit, onlyQueuedHere: onlyQueuedHere) }
    func isFinished() throws -> Bool { try queue.isFinished() }
    func claimsElsewhere() throws -> ClaimsElsewhere { try queue.claimsElsewhere() }
    var hasClaimsInFlight: Bool { queue.hasClaimsInFlight }
    func releaseClaims() throws { try queue.releaseClaims() }
}
