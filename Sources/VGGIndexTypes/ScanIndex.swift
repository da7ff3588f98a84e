import VGGCommon

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
    /// Known roots that a new root of this scan took over (their rows are its now).
    var folded: [FoldedRoot] { get }
    /// Marks the target's unseen files missing (never deletes them), but for those at or below
    /// `unwalked`; returns how many.
    func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int
}
