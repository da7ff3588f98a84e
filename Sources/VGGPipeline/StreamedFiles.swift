#if canImport(Glibc)
import VGGIndexTypes
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VGGCommon
import VGGImaging

/// The scan pipeline without an index: file paths read from a stream (a pipe from Spark's
/// `RDD.pipe`, a list file) are handed to the decoders as they arrive, as a work queue hands
/// out claims, and every finished record goes to `deliver` instead of a database. So
/// `classify --files-from` overlaps reading, decoding and the network exactly as a scan does.
///
/// Memory stays flat whatever the input's length: the reader stops reading while the
/// pipeline's queues are full. A batch is not held back for input that has not come yet
/// (the pipeline sends a partial batch as soon as nothing more is available).
public final class StreamedFiles: ScanIndex, WorkQueue, @unchecked Sendable {
    /// How paths are separated on the stream.
    public enum Separator: Sendable {
        case newline, nul

        var byte: UInt8 { self == .newline ? UInt8(ascii: "\n") : 0 }
    }

    private let paths: BoundedQueue<[UInt8]>
    private let deliver: ([ScanRecord]) throws -> Void
    private let preparation: ImagePreparation
    private let lock = NSLock()
    private var inFlight = 0
    private var readError: String?

    /// Starts reading `descriptor` on a thread of its own; `deliver` is called from the
    /// pipeline's single writer thread with each group of finished records.
    public init(
        descriptor: Int32, separator: Separator, preparation: ImagePreparation, readAhead: Int = 1024,
        deliver: @escaping ([ScanRecord]) throws -> Void
    ) {
        self.paths = BoundedQueue(capacity: readAhead)
        self.deliver = deliver
        self.preparation = preparation
        let paths = self.paths
        let reader = Thread { [weak self] in
            let failure = Self.read(descriptor, separator: separator.byte, into: paths)
            if let failure, let self {
                self.lock.lock()
                self.readError = failure
                self.lock.unlock()
            }
            paths.close()
        }
        reader.name = "vggbatch-paths"
        reader.start()
    }

    /// Why reading the stream stopped early, if it did (after the pipeline has ended).
    public var inputError: String? {
        lock.lock()
        defer { lock.unlock() }
        return readError
    }

    /// Reads separated paths until end of input, skipping empty ones; the reason on a read error.
    private static func read(_ descriptor: Int32, separator: UInt8, into paths: BoundedQueue<[UInt8]>) -> String? {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var pending = [UInt8]()
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return "cannot read the list of files: \(String(cString: strerror(errno)))"
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where buffer[index] == separator {
                pending.append(contentsOf: buffer[start..<index])
                start = index + 1
                if !pending.isEmpty && !paths.put(pending) { return nil }
                pending.removeAll(keepingCapacity: true)
            }
            pending.append(contentsOf: buffer[start..<count])
        }
        if !pending.isEmpty { paths.put(pending) }
        return nil
    }

    // MARK: WorkQueue

    public func enqueue(_ files: [FoundFile], settings: DecodeSettings) throws {}

    /// The paths that have arrived, up to `limit`, waiting a moment for the first one.
    public func claim(limit: Int, onlyQueuedHere: Bool) throws -> [ClaimedFile] {
        var taken = [[UInt8]]()
        if paths.waitForItem(timeout: 0.05) {
            while taken.count < limit, let path = paths.poll() { taken.append(path) }
        }
        lock.lock()
        inFlight += taken.count
        lock.unlock()
        return taken.map { path in
            // A path that cannot be looked up still goes on: reading it fails with the reason.
            let stat = FileStat.of(path) ?? FileStat(size: 0, mtimeNanoseconds: 0, inode: 0, device: 0)
            return ClaimedFile(
                file: FoundFile(rootID: 0, relativePath: path, absolutePath: path, stat: stat), known: nil,
                settings: preparation.decodeSettings, attempts: 1)
        }
    }

    /// Every path read and none left to hand out.
    public func isFinished() throws -> Bool { paths.isClosedAndEmpty }

    public var hasClaimsInFlight: Bool {
        lock.lock()
        defer { lock.unlock() }
        return inFlight > 0
    }

    public func releaseClaims() throws {}

    public func claimsElsewhere() throws -> ClaimsElsewhere { ClaimsElsewhere(files: 0, secondsLeft: 0, released: 0) }

    // MARK: ScanIndex

    public func target(for absolutePath: [UInt8]) throws -> ScanTarget {
        preconditionFailure("a stream of files has no folders to walk")
    }

    public func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? { nil }

    public func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? { nil }

    public func write(_ records: [ScanRecord]) throws {
        try deliver(records)
        lock.lock()
        inFlight -= records.count
        lock.unlock()
    }

    public func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) { (0, 0) }

    /// A stream has no roots of its own to take over.
    public var folded: [FoldedRoot] { [] }

    public func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int { 0 }
}

/// `read(2)`, named apart from the methods called `read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
