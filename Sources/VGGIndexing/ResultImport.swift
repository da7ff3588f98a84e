import Foundation
import VGGApproximate
import VGGCommon
import VGGIndexTypes
import VGGModel
import VGGPipeline

/// Merges result lines (`classify --files-from`, from any number of machines) into an
/// index, as if a scan had computed them here: each file gets its one row under the root that
/// contains it, with the line's fingerprint, size, predictions and features.
///
/// One transaction per batch of lines, so a killed import keeps every batch it finished, and
/// importing the same lines again changes nothing (a row whose file, content and results are
/// the line's is left as it is). A file that no longer has the line's size and modification
/// time here is stored with the line's (stale): the next scan sees the difference, reads the
/// file and recomputes it if its content changed.
public final class ResultImport {
    public let index: IndexWriter
    /// Where the approximate indexes' cache folder is found (XDG_CACHE_HOME, HOME).
    public let environment: [String: String]

    public init(index: IndexWriter, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.index = index
        self.environment = environment
    }

    public struct Options: Sendable {
        /// Absolute folders the files belong to; empty: the folder holding them all.
        public var roots: [[UInt8]] = []
        /// The model whose lines are taken (a weights SHA-256 or a prefix of one); nil: the
        /// model of the first line.
        public var model: String?
        /// Lines per transaction.
        public var batch = 256

        public init() {}
    }

    public struct Summary: Sendable {
        public var lines = 0
        /// Rows written: new files, and files whose stored row differed.
        public var new = 0
        public var changed = 0
        public var unchanged = 0
        /// Lines of files that could not be computed (stored as failed, with the reason).
        public var failed = 0
        /// Files stored with the line's size and time because the file here differs or is not there.
        public var stale = 0
        /// Lines of another model, by weights SHA-256.
        public var otherModels: [String: Int] = [:]
        public var withoutFeatures = 0
        public var outsideRoots = 0
        /// Lines that are not result lines, and the first few reasons ("file:line: reason").
        public var malformed = 0
        public var malformedExamples: [String] = []
        public var modelID: Int64?
        public var model: ModelRegistration?
        public var roots: [[UInt8]] = []
        public var interrupted = false
        public var searchUpdated = 0
        public var searchWarning: String?
        /// What keeping the model's approximate indexes current did.
        public var approximate = ApproximateUpkeep.Outcome()

        /// Lines not imported, whatever the reason.
        public var refused: Int { otherModels.values.reduce(0, +) + withoutFeatures + outsideRoots + malformed }
    }

    /// Imports every line of `files` (see `ResultFiles`). `progress` gets the summary so far
    /// after each batch.
    public func run(
        files: [String], options: Options, cancellation: CancellationFlag, progress: (Summary) -> Void = { _ in }
    ) throws(IndexingError) -> Summary {
        do {
            let (chosen, roots) = try firstPass(files: files, options: options)
            let batch = ImportBatch(index: index, files: files, options: options, chosen: chosen, roots: roots)
            try forEachLine(files) { line, place in
                if cancellation.isCancelled {
                    batch.summary.interrupted = true
                    return false
                }
                try batch.take(line, place: place, progress: progress)
                return true
            }
            try batch.flush(progress: progress)
            return try finish(batch)
        } catch {
            throw IndexingError.from(error)
        }
    }

    /// The model (without one named, the first line's) and the roots (without any given, the
    /// one folder holding every file of that model): a first pass when either is needed.
    private func firstPass(files: [String], options: Options) throws -> (ModelRegistration?, [[UInt8]]) {
        var chosen: ModelRegistration?
        var common: [UInt8]?
        if options.model == nil || options.roots.isEmpty {
            try forEachLine(files) { line, _ in
                guard let parsed = try? ResultLine.parse(line) else { return true }
                if chosen == nil, options.model == nil { chosen = parsed.model }
                guard options.roots.isEmpty else { return false }
                guard Self.matches(parsed.model, chosen, options.model) else { return true }
                let folder = PathBytes.parent(PathBytes.anchored(parsed.path))
                common = common.map { Self.commonFolder($0, folder) } ?? folder
                return true
            }
        }
        return (chosen, options.roots.isEmpty ? (common.map { [$0] } ?? []) : options.roots)
    }

    /// Ends the run and brings the search data up to date.
    private func finish(_ batch: ImportBatch) throws -> Summary {
        var summary = batch.summary
        guard let modelID = summary.modelID else { return summary }
        var counts = RunCounts()
        counts.new = summary.new
        counts.changed = summary.changed
        counts.unchanged = summary.unchanged
        counts.failed = summary.failed
        try index.runs.finish(batch.runID, status: summary.interrupted ? .interrupted : .finished, counts: counts)
        do throws(StoreError) {
            summary.searchUpdated = try SearchMaintenance.update(index, modelID: modelID, threads: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            summary.searchWarning = "search data not updated (\(error.reason)); the next scan retries"
        }
        summary.approximate = ApproximateUpkeep.merge(
            data: index.approximate, modelID: modelID,
            cacheDirectory: WeightsLocator.cacheDirectory(environment: environment))
        return summary
    }

    /// One import's lines on their way into the index: the model and run begun at the first
    /// line to import, and the records of the transaction being filled.
    private final class ImportBatch {
        let index: IndexWriter
        let files: [String]
        let options: Options
        let roots: [[UInt8]]
        var chosen: ModelRegistration?
        var summary = Summary()
        var runID: Int64 = 0
        var scan: (any ScanIndex)?
        var targets = [ScanTarget]()
        var records = [ScanRecord]()
        var inBatch = Set<[UInt8]>()

        init(index: IndexWriter, files: [String], options: Options, chosen: ModelRegistration?, roots: [[UInt8]]) {
            self.index = index
            self.files = files
            self.options = options
            self.chosen = chosen
            self.roots = roots
            summary.roots = roots
        }

        func flush(progress: (Summary) -> Void) throws {
            guard let scan, !records.isEmpty else { return }
            try scan.write(records)
            records.removeAll(keepingCapacity: true)
            inBatch.removeAll(keepingCapacity: true)
            progress(summary)
        }

        /// One line: counted, and added to the batch when it is a result of the model imported.
        func take(_ line: [UInt8], place: String, progress: (Summary) -> Void) throws {
            summary.lines += 1
            let parsed: ResultLine
            do throws(ResultLine.FormatError) {
                parsed = try ResultLine.parse(line)
            } catch {
                malformed("\(place): \(error.reason)")
                return
            }
            if chosen == nil { chosen = options.model == nil ? parsed.model : nil }
            guard ResultImport.matches(parsed.model, chosen, options.model) else {
                summary.otherModels[parsed.model.weightsSHA256, default: 0] += 1
                return
            }
            if chosen == nil { chosen = parsed.model }
            if parsed.error == nil && parsed.result.features.isEmpty {
                summary.withoutFeatures += 1
                return
            }
            let scan = try self.scan ?? begin(parsed.model)
            guard let (file, target) = locate(parsed) else {
                summary.outsideRoots += 1
                return
            }
            if inBatch.contains(file.absolutePath) { try flush(progress: progress) }
            inBatch.insert(file.absolutePath)
            record(parsed, file: file, known: try scan.knownFile(rootID: target.rootID, relativePath: file.relativePath), place: place)
            if records.count >= options.batch { try flush(progress: progress) }
        }

        private func malformed(_ example: String) {
            summary.malformed += 1
            if summary.malformedExamples.count < 5 { summary.malformedExamples.append(example) }
        }

        /// The first line to import: the model, the run and the roots. One model keeps one
        /// precision and one colour rule: lines of the same weights computed otherwise are refused.
        private func begin(_ model: ModelRegistration) throws -> any ScanIndex {
            let known = try index.models.all().first {
                $0.weightsSHA256 == model.weightsSHA256 && $0.preprocessing == model.preprocessing && $0.resizePolicy == model.resizePolicy
            }
            if let known, known.precision != model.precision {
                throw IndexingError.input(
                    "these lines were computed in \(model.precision), and model \(known.id) of the index (the same weights) "
                        + "in \(known.precision); compute them with --precision \(known.precision), or import them into a new index")
            }
            if let known, known.color != model.color {
                throw IndexingError.input(
                    "these lines were computed with colour profiles \(model.color), and model \(known.id) of the index (the "
                        + "same weights) with \(known.color); compute them with --color \(known.color), or import them into a new index")
            }
            let id = try index.models.register(model)
            summary.modelID = id
            summary.model = model
            runID = try index.runs.begin(options: "import \(files.count) file(s) roots=\(roots.map(PathBytes.display))", modelID: id)
            let opened = SearchCoding.coding(index.scanIndex(runID: runID, modelID: id))
            scan = opened
            for root in roots {
                let target = try opened.target(for: root)
                if !targets.contains(target) { targets.append(target) }
            }
            return opened
        }

        /// The line's file under the root that holds it, as it is here (its size and time when
        /// they are still the line's, else the line's: stale); nil outside every root.
        private func locate(_ parsed: ResultLine) -> (FoundFile, ScanTarget)? {
            var path = PathBytes.anchored(parsed.path)
            var target = targets.first { PathBytes.isWithin(path, folder: $0.path) }
            if target == nil {
                // Reached through a symbolic link, perhaps: the folder resolved.
                let resolved = PathBytes.join(PathBytes.absolute(bytes: PathBytes.parent(path)), PathBytes.lastComponent(path))
                if let found = targets.first(where: { PathBytes.isWithin(resolved, folder: $0.path) }) {
                    path = resolved
                    target = found
                }
            }
            guard let target, let relative = PathBytes.relative(path, to: target.rootPath), !relative.isEmpty else { return nil }
            var stat = FileStat(size: parsed.size, mtimeNanoseconds: parsed.mtimeNanoseconds, inode: 0, device: 0)
            if let here = FileStat.of(path), here.size == parsed.size, here.mtimeNanoseconds == parsed.mtimeNanoseconds {
                stat = here
            } else {
                summary.stale += 1
            }
            return (FoundFile(rootID: target.rootID, relativePath: relative, absolutePath: path, stat: stat), target)
        }

        /// What the line asks of the file's row: nothing (the row already holds it), a failure,
        /// or results.
        private func record(_ parsed: ResultLine, file: FoundFile, known: KnownFile?, place: String) {
            if let known, known.stat == file.stat, known.fingerprint == parsed.fingerprint,
                parsed.error == nil
                    ? (known.status == .ok && known.hasResults && (known.hasDescriptors || parsed.result.gem.isEmpty))
                    : (known.status == .failed && !known.hasResults)
            {
                summary.unchanged += 1
                records.append(.unchanged(known))
            } else if let reason = parsed.error {
                summary.failed += 1
                records.append(.failed(file, replacing: known, fingerprint: parsed.fingerprint, reason: reason))
            } else if let fingerprint = parsed.fingerprint, !parsed.result.features.isEmpty {
                if known == nil { summary.new += 1 } else { summary.changed += 1 }
                records.append(.indexed(
                    file, replacing: known, fingerprint: fingerprint, width: parsed.width, height: parsed.height,
                    result: parsed.result, format: parsed.format))
            } else {
                malformed("\(place): results without a fingerprint")
            }
        }
    }

    /// Every line of every file, with "file:line" for messages; stops when `body` returns false.
    private func forEachLine(_ files: [String], _ body: ([UInt8], String) throws -> Bool) throws {
        for file in files {
            var stop = false
            try ResultFiles.forEachLine(in: file) { line, number in
                stop = try !body(line, "\(file):\(number)")
                return !stop
            }
            if stop { return }
        }
    }

    /// Whether a line's model is the one imported: the model chosen so far, or the one
    /// named by a SHA-256 prefix.
    fileprivate static func matches(_ model: ModelRegistration, _ chosen: ModelRegistration?, _ named: String?) -> Bool {
        if let named { return model.weightsSHA256.hasPrefix(named.lowercased()) && (chosen == nil || chosen == model) }
        return chosen == nil || chosen == model
    }


    /// The deepest folder containing both.
    private static func commonFolder(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var folder = a
        while !PathBytes.isWithin(b, folder: folder) && folder != [PathBytes.slash] && !folder.isEmpty { folder = PathBytes.parent(folder) }
        return folder
    }
}
