import Foundation
import VGGCommon
import VGGModel
import VGGIndexTypes
import VGGReport

/// Turns index rows into report photos (labels and cached thumbnails) and writes pages,
/// for `report`, `similar --html` and `duplicates --html`.
///
/// Thumbnails live in the cache (`$XDG_CACHE_HOME/vggbatch/thumbs`), never beside the page
/// by default: a page written inside a scanned folder must not leave pictures there for the
/// next scan. Pages link to the cached files; a self-contained page gets its own copies in
/// a `thumbs` folder beside it (marked, so scans skip it) and relative links.
public struct ReportBuilder {
    public let index: IndexReader
    public let model: StoredModel
    /// The folder the page goes in.
    public let directory: String
    /// Copy the thumbnails beside the page and link them relatively.
    public let selfContained: Bool
    public let threads: Int
    public let thumbnails: Thumbnails
    public private(set) var predictions: [Int64: [(index: Int, probability: Double)]] = [:]
    public private(set) var thumbnailsMade = 0
    public private(set) var thumbnailsReused = 0

    /// Thumbnails go to `cacheDirectory`/thumbs (the weights cache, `$XDG_CACHE_HOME/vggbatch`).
    public init(
        index: IndexReader, model: StoredModel, directory: String, selfContained: Bool, threads: Int, cacheDirectory: String
    ) throws(QueryError) {
        self.index = index
        self.model = model
        self.directory = directory
        self.selfContained = selfContained
        self.threads = threads
        thumbnails = Thumbnails(directory: (cacheDirectory as NSString).appendingPathComponent("thumbs"))
        do throws(StoreError) {
            predictions = try index.results.allPredictions(modelID: model.id)
        } catch {
            throw .store(error)
        }
    }

    /// A builder for a single page at `path` (its folder holds the page's own thumbnails
    /// when `selfContained`).
    public static func page(_ page: PageOptions, context: SearchContext) throws(QueryError) -> ReportBuilder {
        let directory = (page.path as NSString).deletingLastPathComponent
        return try ReportBuilder(
            index: context.index, model: context.model, directory: directory.isEmpty ? "." : directory, selfContained: page.selfContained,
            threads: page.threads, cacheDirectory: page.cacheDirectory)
    }

    /// The folder of a self-contained page's own thumbnails.
    public var pageThumbnailDirectory: String { (directory as NSString).appendingPathComponent("thumbs") }

    /// Photos for rows (path, fingerprint, image id), thumbnails made where missing.
    public mutating func photos(
        _ rows: [(path: [UInt8], fingerprint: [UInt8]?, imageID: Int64?)], scores: [Double?]? = nil
    ) throws(QueryError) -> [ReportPhoto] {
        let requests = rows.compactMap { row in Self.key(row).map { Thumbnails.Request(path: row.path, fingerprint: $0) } }
        let prepared: (available: Set<[UInt8]>, made: Int)
        do {
            prepared = try thumbnails.prepare(requests, threads: threads)
        } catch {
            throw .cannotWrite(path: thumbnails.directory, reason: error.localizedDescription)
        }
        if selfContained {
            do {
                try thumbnails.copy(prepared.available, to: pageThumbnailDirectory)
            } catch {
                throw .cannotWrite(path: pageThumbnailDirectory, reason: error.localizedDescription)
            }
        }
        thumbnailsMade += prepared.made
        thumbnailsReused += Set(requests.map(\.fingerprint)).intersection(prepared.available).count - prepared.made
        let thumbnails = self.thumbnails
        let selfContained = self.selfContained
        return rows.enumerated().map { offset, row in
            let key = Self.key(row)
            let thumbnail = key.flatMap { key -> String? in
                guard prepared.available.contains(key) else { return nil }
                return selfContained
                    ? HTML.relativeURL("thumbs/" + Thumbnails.fileName(key)) : HTML.fileURL(PathBytes.absolute(thumbnails.path(key)))
            }
            let top = row.imageID.flatMap { predictions[$0] }?.prefix(5).map { entry in
                (label: ImageNetLabels.at(entry.index)?.label ?? "class \(entry.index)", probability: entry.probability)
            } ?? []
            return ReportPhoto(path: row.path, thumbnail: thumbnail, top: Array(top), score: scores?[offset] ?? nil)
        }
    }

    /// The thumbnail key: the content fingerprint, or for a file never fingerprinted (a query
    /// outside the index) the SHA-256 of its path and stat.
    private static func key(_ row: (path: [UInt8], fingerprint: [UInt8]?, imageID: Int64?)) -> [UInt8]? {
        if let fingerprint = row.fingerprint { return fingerprint }
        var info = stat()
        guard stat(String(decoding: row.path, as: UTF8.self), &info) == 0 else { return nil }
        let identity = row.path + Array("|\(info.st_size)|\(info.st_mtim.tv_sec)|\(info.st_mtim.tv_nsec)".utf8)
        var hasher = SHA256()
        hasher.update(identity)
        return Array(hasher.finalize().prefix(16))
    }

    /// Facts for the top of a page.
    public func summary() throws(QueryError) -> [(String, String)] {
        do throws(StoreError) {
            let roots = try index.roots.statuses()
            let totals = roots.reduce((0, 0, 0)) { ($0.0 + $1.ok, $0.1 + $1.failed, $0.2 + $1.missing) }
            var rows: [(String, String)] = [
                ("Images indexed", "\(totals.0)"), ("Failed", "\(totals.1)"), ("Missing", "\(totals.2)"),
                ("Model", "\(model.name ?? "weights sha256 \(model.weightsSHA256.prefix(12))…") (model \(model.id))"),
                ("Preprocessing", "\(model.preprocessing), resize \(model.resizePolicy)"),
            ]
            if let run = try index.runs.last() { rows.append(("Last scan", "\(run.started) (\(run.status))")) }
            rows.append(("Folders", roots.map { PathBytes.display($0.path) }.joined(separator: ", ")))
            return rows
        } catch {
            throw .store(error)
        }
    }

    /// Writes `html` to `path` (through a temporary file and a rename).
    public static func write(_ html: String, to path: String) throws(QueryError) {
        let directory = (path as NSString).deletingLastPathComponent
        let partial = path + ".part"
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try Data(html.utf8).write(to: URL(fileURLWithPath: partial))
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
        guard rename(partial, path) == 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    public var footer: String {
        let place = selfContained ? "thumbs/ beside this page" : thumbnails.directory
        return "Made by vggbatch on \(ISO8601DateFormatter().string(from: Date())). Thumbnails are in \(place), named by content fingerprint."
    }
}

/// Where a search's page goes and how it is made (`similar --html`, `duplicates --html`).
public struct PageOptions: Sendable {
    public var path: String
    /// Thumbnails embedded in the page rather than beside it.
    public var selfContained: Bool
    /// Threads that make thumbnails.
    public var threads: Int
    /// Where thumbnails are cached between pages.
    public var cacheDirectory: String

    public init(path: String, selfContained: Bool, threads: Int, cacheDirectory: String) {
        self.path = path
        self.selfContained = selfContained
        self.threads = threads
        self.cacheDirectory = cacheDirectory
    }
}
