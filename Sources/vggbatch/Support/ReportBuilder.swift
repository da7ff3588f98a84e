import Foundation
import VGGCommon
import VGGModel
import VGGPipeline
import VGGReport
import VGGStore

/// Turns index rows into report photos (labels and cached thumbnails) and writes pages,
/// for `report`, `similar --html` and `duplicates --html`.
struct ReportBuilder {
    let index: IndexDatabase
    let model: StoredModel
    /// The folder the page goes in; thumbnails go in its `thumbs` folder.
    let directory: String
    let threads: Int
    private(set) var predictions: [Int64: [(index: Int, probability: Double)]] = [:]
    private(set) var thumbnailsMade = 0
    private(set) var thumbnailsReused = 0

    init(index: IndexDatabase, model: StoredModel, directory: String, threads: Int) throws {
        self.index = index
        self.model = model
        self.directory = directory
        self.threads = threads
        do throws(StoreError) {
            predictions = try index.allPredictions(modelID: model.id)
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    var thumbnailDirectory: String { (directory as NSString).appendingPathComponent("thumbs") }

    /// Photos for rows (path, fingerprint, image id), thumbnails made where missing.
    mutating func photos(_ rows: [(path: [UInt8], fingerprint: [UInt8]?, imageID: Int64?)], scores: [Double?]? = nil) throws -> [ReportPhoto] {
        let thumbnails = Thumbnails(directory: thumbnailDirectory)
        let requests = rows.compactMap { row in Self.key(row).map { Thumbnails.Request(path: row.path, fingerprint: $0) } }
        let prepared: (available: Set<[UInt8]>, made: Int)
        do {
            prepared = try thumbnails.prepare(requests, threads: threads)
        } catch {
            throw CommandFailure("cannot write thumbnails in \(thumbnailDirectory): \(error.localizedDescription)")
        }
        thumbnailsMade += prepared.made
        thumbnailsReused += Set(requests.map(\.fingerprint)).intersection(prepared.available).count - prepared.made
        return rows.enumerated().map { offset, row in
            let key = Self.key(row)
            let thumbnail = key.flatMap { prepared.available.contains($0) ? HTML.relativeURL("thumbs/" + Thumbnails.fileName($0)) : nil }
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
    func summary() throws -> [(String, String)] {
        do throws(StoreError) {
            let roots = try index.rootStatuses()
            let totals = roots.reduce((0, 0, 0)) { ($0.0 + $1.ok, $0.1 + $1.failed, $0.2 + $1.missing) }
            var rows: [(String, String)] = [
                ("Images indexed", "\(totals.0)"), ("Failed", "\(totals.1)"), ("Missing", "\(totals.2)"),
                ("Model", "\(model.name ?? "weights sha256 \(model.weightsSHA256.prefix(12))…") (model \(model.id))"),
                ("Preprocessing", "\(model.preprocessing), resize \(model.resizePolicy)"),
            ]
            if let run = try index.lastRun() { rows.append(("Last scan", "\(run.started) (\(run.status))")) }
            rows.append(("Folders", roots.map { WalkEntry.displayString($0.path) }.joined(separator: ", ")))
            return rows
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// Writes `html` to `path` (through a temporary file and a rename).
    static func write(_ html: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            let partial = path + ".part"
            try Data(html.utf8).write(to: URL(fileURLWithPath: partial))
            guard rename(partial, path) == 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static var footer: String {
        "Made by vggbatch on \(ISO8601DateFormatter().string(from: Date())). Thumbnails are in thumbs/, named by content fingerprint."
    }
}
