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
/// `RDD.pipe`, a list file) are handed to the decoders as they arrive (`ScanSource.stream`),
/// and every finished record goes to `deliver` instead of a database. So
/// `classify --files-from` overlaps reading, decoding and the network exactly as a scan does.
///
/// Memory stays flat whatever the input's length: the reader stops reading while the
/// pipeline's queues are full. A batch is not held back for input that has not come yet
/// (the pipeline sends a partial batch as soon as nothing more is available).
public final class StreamedFiles: ScanIndex, @unchecked Sendable {
    /// How paths are separated on the stream.
    public enum Separator: Sendable {
        case newline, nul

        var byte: UInt8 { self == .newline ? UInt8(ascii: "\n") : 0 }
    }

    private let paths: BoundedQueue<[UInt8]>
    private let deliver: ([ScanRecord]) throws -> Void
    private let lock = NSLock()
    private var readError: String?

    /// Starts reading `descriptor` on a thread of its own; `deliver` is called from the
    /// pipeline's single writer thread with each group of finished records.
    public init(
        descriptor: Int32, separator: Separator, readAhead: Int = 1024,
        deliver: @escaping ([ScanRecord]) throws -> Void
    ) {
        self.paths = BoundedQueue(capacity: readAhead)
        self.deliver = deliver
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

    // MARK: The pipeline's source

    /// The paths as they arrive, for the decoders: a partial batch goes to the network as soon
    /// as no path is waiting (the input may be a slow pipe).
    func source(state: ScanPipeline.SharedState) -> any FileSource { StreamSource(paths: paths, state: state) }

    /// A stream's file: looked up as it is now; a path that cannot be looked up still goes on,
    /// and reading it fails with the reason.
    static func found(_ path: [UInt8]) -> FoundFile {
        let stat = FileStat.of(path) ?? FileStat(size: 0, mtimeNanoseconds: 0, inode: 0, device: 0)
        return FoundFile(rootID: 0, relativePath: path, absolutePath: path, stat: stat)
    }

    // MARK: ScanIndex

    public func target(for absolutePath: [UInt8]) throws -> ScanTarget {
        preconditionFailure("a stream of files has no folders to walk")
    }

    public func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? { nil }

    public func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? { nil }

    public func write(_ records: [ScanRecord]) throws {
        try deliver(records)
    }

    public func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) { (0, 0) }

    /// A stream has no roots of its own to take over.
    public var folded: [FoldedRoot] { [] }

    public func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int { 0 }
}

/// The paths of a stream handed to the decoders on a thread of their own; the pipeline is
/// told when none is waiting, so that it does not hold a partial batch back for them.
private struct StreamSource: FileSource {
    let paths: BoundedQueue<[UInt8]>
    let state: ScanPipeline.SharedState

    func capacity(batchSize: Int) -> Int { max(64, 2 * batchSize) }

    func start(into work: BoundedQueue<WorkItem>, records: BoundedQueue<ScanRecord>) {
        // Nothing is walked: the stream is the whole input.
        state.update { $0.walkFinished = true }
        let thread = Thread { [paths, state] in
            defer { work.close() }
            while true {
                if let path = paths.poll() {
                    state.queueDry = false
                    work.put(WorkItem(file: StreamedFiles.found(path), known: nil))
                } else if paths.isClosedAndEmpty {
                    return
                } else {
                    state.queueDry = true
                    _ = paths.waitForItem(timeout: 0.05)
                }
            }
        }
        thread.name = "vggbatch-stream"
        thread.start()
    }

    func abandon() {}

    /// A stream has no folders: nothing is marked missing.
    var seesEveryFile: Bool { false }
}

/// `read(2)`, named apart from the methods called `read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
