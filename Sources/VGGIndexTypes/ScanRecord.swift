import VGGCommon

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
    /// `format` is what the content was decoded as (nil where it is not known: lines from an
    /// older vggbatch).
    case indexed(FoundFile, replacing: KnownFile?, fingerprint: [UInt8], width: Int, height: Int, result: ImageResult, format: ImageFormat? = nil)
    /// Could not be decoded; the reason is stored and the file is not retried until it changes.
    case failed(FoundFile, replacing: KnownFile?, fingerprint: [UInt8]?, reason: String)
}

extension ScanRecord {
    /// The file the record is about: its root and path below it.
    public var file: (rootID: Int64, relativePath: [UInt8]) {
        switch self {
        case .unchanged(let known), .metadataChanged(let known, _): return (known.rootID, known.relativePath)
        case .moved(_, let to): return (to.rootID, to.relativePath)
        case .indexed(let file, _, _, _, _, _, _), .failed(let file, _, _, _): return (file.rootID, file.relativePath)
        }
    }
}
