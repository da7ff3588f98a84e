import CVGGFaiss
import Foundation
import VGGCommon
import VGGIndexTypes

/// An approximate index of one model's vectors of one kind: FAISS inverted lists
/// ("IVF<lists>,SQ4": each unit vector in its nearest of `lists` cells, coded in 4 bits per
/// value) under inner product, with image ids as ids, in a file of its own. fc7 (4096 floats)
/// goes through a PCA to `ApproximateBuild.reducedDimension` learned from the index first
/// ("PCA256,IVF<lists>,SQ4"); GeM and R-MAC (512) are indexed as they are.
///
/// The file holds every descriptor whose revision is at or below `header.revision`, with the
/// vector it had then; rows written later (new, changed, or copied to a moved file) have a
/// higher revision and are read from the database and scored exactly by the search, until an
/// update merges them. Rows deleted or no longer ok stay in the file and are dropped when the
/// search reads its candidates back. So the file is never wrong, only more or less complete;
/// it is replaced by rename, so a crash leaves the old file or the new one.
public final class ApproximateIndex {
    /// What the file says about itself (JSON after the magic).
    public struct Header: Codable, Sendable, Equatable {
        public var format: Int
        /// The instance of the index it was made from (`RevisionState.instance`).
        public var instance: String
        public var modelID: Int64
        public var kind: FeatureKind
        public var dimension: Int
        /// Every descriptor at or below this revision is held.
        public var revision: Int64
        /// A name for this build; a recall check names the build it measured.
        public var build: String
        public var builtAt: String
        /// Entries when it was built.
        public var builtRows: Int
        /// Entries merged by updates since.
        public var mergedRows: Int
        public var lists: Int
        /// Dimensions of the PCA in front of the lists (fc7), nil when there is none.
        public var reduced: Int?
        /// Lists probed per query: the fewest that reached the target recall when it was built.
        public var probes: Int
        public var trainSeconds: Double
        public var addSeconds: Double
        /// Length of the FAISS bytes after the header. The file ends with 8 bytes, the
        /// checksum of this header's JSON and those bytes (`vgg_checksum`): a file cut short or
        /// changed on disk is refused rather than searched.
        public var bytes: Int64 = 0
    }

    public internal(set) var header: Header
    let handle: OpaquePointer

    init(header: Header, handle: OpaquePointer) {
        self.header = header
        self.handle = handle
    }

    deinit { vgg_ann_free(handle) }

    static let magic: [UInt8] = Array("VGGANN\n\u{1}".utf8)
    /// 2: the header gives the length of the FAISS bytes; a checksum of both ends the file.
    static let currentFormat = 2

    /// Entries in the index (deleted images included until a rebuild).
    public var count: Int { Int(vgg_ann_count(handle)) }

    /// Bytes of its codes and ids (the file is this plus the coarse centroids).
    public var codeBytes: Int64 { vgg_ann_code_bytes(handle) }

    /// Where the approximate index of `kind` of model `modelID` lives: beside an index that is
    /// a file (`<index>.approximate/`), else in `cacheDirectory/approximate/<instance>/` (each
    /// machine that reads a server keeps its own copy).
    public static func path(databaseFile: String?, cacheDirectory: String, instance: String, modelID: Int64, kind: FeatureKind) -> String {
        let folder = databaseFile.map { $0 + ".approximate" } ?? (cacheDirectory + "/approximate/" + instance)
        return folder + "/model-\(modelID)-\(name(of: kind)).faiss"
    }

    /// The name of the vectors of `kind` an approximate index holds: fc7 for the network's
    /// own (the only network vectors it holds), rmac, gem.
    public static func name(of kind: FeatureKind) -> String { kind.name(hasClassifier: true) }

    // MARK: - FAISS calls

    static func create(dimension: Int, lists: Int, reduced: Int?) throws(ApproximateError) -> OpaquePointer {
        var handle: OpaquePointer?
        let reason = withError { vgg_ann_create(Int32(dimension), Int32(lists), Int32(reduced ?? 0), $0, $1).map { handle = $0 } != nil }
        guard let handle else { throw .library(operation: "creating an index", reason: reason ?? "unknown") }
        return handle
    }

    static func train(_ handle: OpaquePointer, vectors: [Float], count: Int) throws(ApproximateError) {
        if let reason = Self.withError({ error, size in vectors.withUnsafeBufferPointer { vgg_ann_train(handle, Int64(count), $0.baseAddress, error, size) } == 0 }) {
            throw .library(operation: "training", reason: reason)
        }
    }

    /// Adds unit vectors with their image ids.
    func add(ids: [Int64], vectors: [Float]) throws(ApproximateError) {
        guard !ids.isEmpty else { return }
        if let reason = Self.withError({ error, size in
            ids.withUnsafeBufferPointer { idp in
                vectors.withUnsafeBufferPointer { vgg_ann_add(handle, Int64(idp.count), $0.baseAddress, idp.baseAddress, error, size) }
            } == 0
        }) {
            throw .library(operation: "adding vectors", reason: reason)
        }
    }

    /// Removes every entry of these image ids; how many there were.
    @discardableResult
    func remove(ids: [Int64]) throws(ApproximateError) -> Int {
        guard !ids.isEmpty else { return 0 }
        var removed: Int64 = 0
        if let reason = Self.withError({ error, size in
            removed = ids.withUnsafeBufferPointer { vgg_ann_remove(handle, Int64($0.count), $0.baseAddress, error, size) }
            return removed >= 0
        }) {
            throw .library(operation: "removing vectors", reason: reason)
        }
        return Int(removed)
    }

    /// The `k` best entries for each unit query (row-major), probing `probes` lists: image ids
    /// and approximate cosines, best first, without the missing ones.
    public func search(_ queries: [Float], k: Int, probes: Int) throws(ApproximateError) -> [[(id: Int64, score: Float)]] {
        let count = queries.count / header.dimension
        guard count > 0, k > 0 else { return [] }
        var scores = [Float](repeating: 0, count: count * k)
        var ids = [Int64](repeating: -1, count: count * k)
        let handle = handle
        if let reason = Self.withError({ error, size in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    ids.withUnsafeMutableBufferPointer { i in
                        vgg_ann_search(handle, Int64(count), q.baseAddress, Int32(k), Int32(probes), s.baseAddress, i.baseAddress, error, size)
                    }
                }
            } == 0
        }) {
            throw .library(operation: "searching", reason: reason)
        }
        return (0..<count).map { query in
            (0..<k).compactMap { j in ids[query * k + j] >= 0 ? (ids[query * k + j], scores[query * k + j]) : nil }
        }
    }

    /// The threads FAISS uses.
    public static func setThreads(_ threads: Int) { vgg_ann_set_threads(Int32(max(1, threads))) }

    /// Calls `body` with an error buffer; the message when it returns false.
    static func withError(_ body: (UnsafeMutablePointer<CChar>, Int) -> Bool) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        let succeeded = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if succeeded { return nil }
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return message.isEmpty ? "unknown error" : message
    }

    // MARK: - The file

    /// The index at `path`; nil when there is no file. `mapped` leaves the lists in the file
    /// (the pages a search probes are read, not the whole file: what a query wants); such an
    /// index can be searched but not merged into.
    ///
    /// The file must have the length its header gives and end with the checksum of its header
    /// and FAISS bytes: read whole, it is checked every time; mapped, once per state of the
    /// file (`Verified`), so that a search does not read what it does not probe (`recheck`
    /// checks it regardless). FAISS is never given bytes that were not checked.
    public static func read(path: String, mapped: Bool = false, recheck: Bool = false) throws(ApproximateError) -> ApproximateIndex? {
        // A FIFO in its place cannot hang the command, and anything but a regular file is refused.
        let file: RegularFile
        do throws(RegularFile.Failure) {
            file = try RegularFile(path: path)
        } catch {
            switch error {
            case .missing: return nil
            case .directory, .notRegular: throw .corrupt(path: path, reason: "not a regular file")
            case .system(let reason): throw .file(path: path, reason: reason)
            }
        }
        let fd = file.descriptor
        let status = file.info
        guard let start = readExactly(file, at: 0, count: magic.count + 4), Array(start.prefix(magic.count)) == magic else {
            throw .corrupt(path: path, reason: "no approximate-index header")
        }
        let length = start.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length < 1 << 20, let json = readExactly(file, at: magic.count + 4, count: length),
            let format = try? JSONDecoder().decode(Format.self, from: Data(json))
        else {
            throw .corrupt(path: path, reason: "its header cannot be read")
        }
        guard format.format == currentFormat else {
            throw .corrupt(path: path, reason: "format \(format.format), this vggbatch reads \(currentFormat)")
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(json)), header.bytes > 0 else {
            throw .corrupt(path: path, reason: "its header cannot be read")
        }
        let offset = Int64(magic.count + 4 + length)
        guard Int64(status.st_size) == offset + header.bytes + 8 else {
            throw .corrupt(
                path: path,
                reason: "it is \(status.st_size) bytes, its header says \(offset + header.bytes + 8) (cut short or written over)")
        }
        var trailer = [UInt8](repeating: 0, count: 8)
        guard pread(fd, &trailer, 8, off_t(offset + header.bytes)) == 8 else {
            throw .file(path: path, reason: "cannot read the index: \(String(cString: strerror(errno)))")
        }
        let checksum = hex(trailer.reversed().reduce(0) { $0 << 8 | UInt64($1) })
        var handle: OpaquePointer?
        var reason: String?
        if mapped {
            let verified = Verified(path: path, status: status, checksum: checksum)
            if recheck || !verified.holds {
                var sum: UInt64 = 0
                if let failed = withError({ vgg_checksum_file(fd, Int64(magic.count + 4), Int64(length) + header.bytes, &sum, $0, $1) == 0 }) {
                    throw .file(path: path, reason: failed)
                }
                guard hex(sum) == checksum else { throw damaged(path) }
                verified.record()
            }
            // FAISS reads from the descriptor's position: the start of its bytes.
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                throw .file(path: path, reason: "cannot read the index: \(String(cString: strerror(errno)))")
            }
            reason = withError { error, size in vgg_ann_map(fd, error, size).map { handle = $0 } != nil }
        } else {
            guard let bytes = readExactly(file, at: Int(offset), count: Int(header.bytes)) else {
                throw .file(path: path, reason: "cannot read the index: \(String(cString: strerror(errno)))")
            }
            let sum = json.withUnsafeBufferPointer { j in bytes.withUnsafeBufferPointer { vgg_checksum(j.baseAddress, j.count, $0.baseAddress, $0.count) } }
            guard hex(sum) == checksum else { throw damaged(path) }
            reason = withError { error, size in
                bytes.withUnsafeBufferPointer { vgg_ann_read_bytes($0.baseAddress, $0.count, error, size) }.map { handle = $0 } != nil
            }
        }
        guard let handle else { throw .corrupt(path: path, reason: reason ?? "unreadable") }
        let lists = Int(vgg_ann_lists(handle))
        guard Int(vgg_ann_dimension(handle)) == header.dimension, vgg_ann_is_trained(handle) != 0, header.lists == lists,
            (1...lists).contains(header.probes), header.reduced == nil || header.reduced == ApproximateBuild.reducedDimension,
            header.builtRows >= 0, header.mergedRows >= 0, vgg_ann_count(handle) >= 0
        else {
            vgg_ann_free(handle)
            throw .corrupt(path: path, reason: "its header does not describe its index")
        }
        return ApproximateIndex(header: header, handle: handle)
    }

    private struct Format: Decodable { var format: Int }

    private static func damaged(_ path: String) -> ApproximateError {
        .corrupt(path: path, reason: "its checksum does not match its contents (damaged on disk or changed after it was written)")
    }

    static func hex(_ sum: UInt64) -> String {
        let digits = String(sum, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Writes the index to `path` through a temporary file that replaces it by rename (the
    /// folder is made when missing), so a reader or a crash sees the old file or the new one.
    /// `beforeRename` runs once the new file is complete and synced, before it takes the
    /// path (`save` records it in the index there, so that no moment exists where the file
    /// in place is one the index does not know); if it throws, the old file stays.
    public func write(path: String, beforeRename: () throws(ApproximateError) -> Void = {}) throws(ApproximateError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .file(path: folder, reason: "cannot make the folder (\(error.localizedDescription))")
        }
        Self.removeAbandonedPartials(of: path)
        // Named by host, process and chance: a cache or index folder may be shared by machines.
        let temporary = path + Self.partialInfix + "\(Self.host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .file(path: folder, reason: "cannot write the approximate index here: \(String(cString: strerror(errno)))") }
        var failure: String?
        var serialized = vgg_bytes()
        defer { vgg_bytes_free(&serialized) }
        if let reason = Self.withError({ vgg_ann_serialize(handle, &serialized, $0, $1) == 0 }) {
            failure = reason
        } else {
            header.bytes = Int64(serialized.count)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            if let json = try? encoder.encode(header) {
                let length = UInt32(json.count)
                let start = Self.magic + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
                let sum = Array(json).withUnsafeBufferPointer { vgg_checksum($0.baseAddress, $0.count, serialized.bytes, serialized.count) }
                if !Self.writeAll(fd, start + Array(json)) || !Self.writeAll(fd, UnsafeRawBufferPointer(start: serialized.bytes, count: serialized.count))
                    || !Self.writeAll(fd, (0..<8).map { UInt8(truncatingIfNeeded: sum >> (8 * $0)) })
                {
                    failure = String(cString: strerror(errno))
                }
            } else {
                failure = "its header cannot be encoded"
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil {
            do throws(ApproximateError) {
                try beforeRename()
            } catch {
                unlink(temporary)
                throw error
            }
        }
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw .file(path: path, reason: "cannot write the approximate index: \(failure)")
        }
        // The rename itself lasts only once the folder is on disk.
        let folderFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            fsync(folderFD)
            close(folderFD)
        }
        // A stale record of the file it replaces would only cost a check; removed all the same.
        unlink(path + ".verified")
    }

    /// Throws unless the file at `path` can be written (its folder made if missing): asked
    /// before a build, which would otherwise find out after all its work.
    public static func checkWritable(path: String) throws(ApproximateError) {
        // The folder itself, or the nearest one that exists (where it would be made): nothing
        // is made before there is something to write.
        var folder = (path as NSString).deletingLastPathComponent
        while !FileManager.default.fileExists(atPath: folder), folder != "/", !folder.isEmpty {
            folder = (folder as NSString).deletingLastPathComponent
        }
        if access(folder.isEmpty ? "." : folder, W_OK) != 0 {
            throw .file(path: folder, reason: "cannot write the approximate index here: \(String(cString: strerror(errno)))")
        }
    }

    static let partialInfix = ".partial-"

    /// This machine's name as a partial file carries it (no dashes, so the pid after it parses).
    static let host: String = {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(text.map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "_" })
    }()

    /// Removes the temporary files that writers of `path` on this machine left when they died
    /// before their rename (their process is gone); other machines' are theirs to remove.
    static func removeAbandonedPartials(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + partialInfix + host + "-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int32($0) }), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink((folder as NSString).appendingPathComponent(name)) }
        }
    }

    /// `count` bytes at `offset`, or nil when the file ends first or cannot be read.
    private static func readExactly(_ file: RegularFile, at offset: Int, count: Int) -> [UInt8]? {
        guard let bytes = try? file.read(at: offset, count: count), bytes.count == count else { return nil }
        return bytes
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// That the file at `path`, as it is now (device, inode, size, modification and change
    /// times), was found to have `checksum`: kept beside it (`<path>.verified`) so that a
    /// mapped read checks the bytes once per state of the file, not per search. Changing the
    /// file in any way (a copy, an edit, a rename over it) changes its change time, so the
    /// next read checks it again; `index check` and merges always do.
    ///
    /// The kernel keeps those times to a clock tick, so a change within the same tick as the
    /// check would look like the state checked: a file changed in the last `settle` seconds
    /// is checked but not recorded (the next read checks it again).
    struct Verified {
        let path: String
        let line: String
        let changed: Int

        static let settle = 2

        init(path: String, status: stat, checksum: String) {
            self.path = path + ".verified"
            line = "\(status.st_dev) \(status.st_ino) \(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) "
                + "\(status.st_ctim.tv_sec).\(status.st_ctim.tv_nsec) \(checksum)\n"
            changed = max(status.st_ctim.tv_sec, status.st_mtim.tv_sec)
        }

        var holds: Bool { (try? String(contentsOfFile: path, encoding: .utf8)) == line }

        /// Best effort: where it cannot be written (a read-only folder), every read checks.
        func record() {
            guard changed + Self.settle <= time(nil) else { return }
            try? Data(line.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    // MARK: - Whether it serves an index

    /// Why this file cannot answer for `data` at `state` and the model's `kind` of
    /// `dimension` (nil when it can): `staleness`, or a file the index does not know (written
    /// from a later state than a restored backup's, or from a copy of the index).
    public func unusable(
        data: any ApproximateData, state: RevisionState, modelID: Int64, kind: FeatureKind, dimension: Int
    ) throws(ApproximateError) -> String? {
        if let stale = staleness(state: state, modelID: modelID, kind: kind, dimension: dimension) { return stale }
        do throws(StoreError) {
            if try !data.knowsFile(build: header.build, revision: header.revision) {
                return "the index does not know this file (a restored backup of the index, or another copy of it?)"
            }
        } catch {
            throw .store(error)
        }
        return nil
    }

    /// Writes the index to `path` (`write`) and records it in the index it serves, so that
    /// searches use it.
    public func save(path: String, in data: any ApproximateData) throws(ApproximateError) {
        // Recorded before the rename: killed between the two, the index knows a file that
        // never took the path (harmless) and the old file stays in use.
        try write(path: path) { () throws(ApproximateError) in
            do throws(StoreError) {
                try data.registerFile(build: header.build, revision: header.revision, modelID: header.modelID, kind: header.kind)
            } catch {
                throw .store(error)
            }
        }
    }

    /// Why this file cannot answer for `state` and the model's `kind` of `dimension` (nil when
    /// it can): made from another index, for another model or kind, or newer than the
    /// index (a restored copy of it).
    public func staleness(state: RevisionState, modelID: Int64, kind: FeatureKind, dimension: Int) -> String? {
        if header.instance != state.instance { return "it was made from another index" }
        if header.modelID != modelID || header.kind != kind { return "it is for another model or vector kind" }
        if header.dimension != dimension { return "it holds \(header.dimension)-d vectors, the model's are \(dimension)-d" }
        if header.revision > state.revision { return "it is newer than the index (a restored copy of the index?)" }
        return nil
    }
}
