import VGGIndexTypes
import VGGCommon
import Foundation
import Testing
import VGGImaging
@testable import VGGPipeline
import _VGGTestSupport

/// The pipeline with an in-memory index and a classifier whose output is a checksum of its
/// input, so a result attached to the wrong file is caught.
@Suite("Scan pipeline")
struct ScanPipelineTests {
    final class MemoryIndex: ScanIndex {
        let lock = NSLock()
        var rows: [Int64: (file: KnownFile, output: ImageResult?)] = [:]
        var nextID: Int64 = 1
        var seen = Set<Int64>()
        var writes = 0
        var claimed = Set<Int64>()

        /// The one root: the first folder scanned; later folders inside it are parts of it.
        var rootPath: [UInt8]?

        func target(for absolutePath: [UInt8]) throws -> ScanTarget {
            let root = rootPath ?? absolutePath
            rootPath = root
            let subpath = absolutePath == root ? [] : Array(absolutePath.dropFirst(root.count + 1))
            return ScanTarget(rootID: 1, rootPath: root, subpath: subpath)
        }

        /// Row ids inside a target that this scan did not see and are not missing yet, outside
        /// the places it did not walk.
        private func unseen(in target: ScanTarget, unwalked: [[UInt8]]) -> [Int64] {
            rows.keys.filter { id in
                guard let file = rows[id]?.file, file.status != .missing, !seen.contains(id) else { return false }
                if unwalked.contains(where: { PathBytes.isWithin(file.relativePath, folder: $0) }) { return false }
                return target.subpath.isEmpty || file.relativePath.starts(with: target.subpath + [UInt8(ascii: "/")])
            }
        }

        /// Called as the walk looks a file up, before the decoders read it (a fault test
        /// changes the file there).
        var onLookup: ((_ relativePath: [UInt8]) -> Void)?

        func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? {
            onLookup?(relativePath)
            lock.lock()
            defer { lock.unlock() }
            return rows.values.first { $0.file.relativePath == relativePath }?.file
        }

        func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? {
            lock.lock()
            defer { lock.unlock() }
            for (id, row) in rows where row.file.fingerprint == fingerprint && !claimed.contains(id) && row.file.hasResults {
                if access(String(decoding: row.file.absolutePath, as: UTF8.self), F_OK) != 0 {
                    claimed.insert(id)
                    return row.file
                }
            }
            return nil
        }

        func write(_ records: [ScanRecord]) throws {
            lock.lock()
            defer { lock.unlock() }
            writes += 1
            for record in records {
                switch record {
                case .unchanged(let known): seen.insert(known.imageID)
                case .metadataChanged(let known, let stat):
                    rows[known.imageID]?.file.stat = stat
                    seen.insert(known.imageID)
                case .moved(let from, let to):
                    rows[from.imageID]?.file.relativePath = to.relativePath
                    rows[from.imageID]?.file.absolutePath = to.absolutePath
                    rows[from.imageID]?.file.stat = to.stat
                    seen.insert(from.imageID)
                case .indexed(let file, let replacing, let fingerprint, _, _, let output, _):
                    let id = replacing?.imageID ?? nextID
                    if replacing == nil { nextID += 1 }
                    rows[id] = (KnownFile(imageID: id, rootID: 1, relativePath: file.relativePath, absolutePath: file.absolutePath,
                                          stat: file.stat, fingerprint: fingerprint, status: .ok, hasResults: true), output)
                    seen.insert(id)
                case .failed(let file, let replacing, let fingerprint, _):
                    let id = replacing?.imageID ?? nextID
                    if replacing == nil { nextID += 1 }
                    rows[id] = (KnownFile(imageID: id, rootID: 1, relativePath: file.relativePath, absolutePath: file.absolutePath,
                                          stat: file.stat, fingerprint: fingerprint, status: .failed, hasResults: false), nil)
                    seen.insert(id)
                }
            }
        }

        func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) {
            (unseen(in: target, unwalked: unwalked).count, rows.values.filter { $0.file.status != .missing }.count)
        }

        var folded: [FoldedRoot] { [] }

        func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int {
            let ids = unseen(in: target, unwalked: unwalked)
            for id in ids { rows[id]?.file.status = .missing }
            return ids.count
        }

        func output(_ name: String) -> ImageResult? {
            rows.values.first { String(decoding: $0.file.relativePath, as: UTF8.self) == name }?.output
        }
    }

    /// Output = the sum of the input's first 300 floats: any mix-up of files changes it.
    final class ChecksumClassifier: BatchClassifier {
        let maxBatchSize: Int
        var batches: [Int] = []
        init(batch: Int) { maxBatchSize = batch }

        func classify(_ images: [RGBImage]) -> [ImageResult] {
            batches.append(images.count)
            return images.map { image in
                let tensor = Preprocessing.torch.tensor(from: image)
                var sum: Float = 0
                for i in 0..<300 { sum += tensor[i] }
                return ImageResult(top: [(0, 1)], features: [sum])
            }
        }
    }

    func copySamples(into directory: TemporaryDirectory, names: [String]) throws {
        for name in names {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path(name))
        }
    }

    func scan(
        _ directory: TemporaryDirectory, index: MemoryIndex, classifier: ChecksumClassifier, cancel: CancellationFlag = CancellationFlag(),
        walk: WalkOptions = WalkOptions(), rootCopies: Int = 1
    ) throws -> ScanSummary {
        let folders = FolderScan(roots: Array(repeating: Array(directory.url.path.utf8), count: rootCopies), walk: walk, acceptMassMissing: false)
        let options = ScanOptions(decodeThreads: 2, preparation: ImagePreparation(policy: .squash, size: 16))
        return try ScanPipeline(options: options, source: .folders(folders), index: index, classifier: classifier, cancellation: cancel).run { _ in }
    }

    static let names = ["pillow-hopper.jpg", "skimage-coins.png", "ljt-testorig.jpg", "libpng-toucan.png", "skimage-camera.png"]

    @Test func resultsFollowFilesThroughBatchesAndFailures() throws {
        let directory = TemporaryDirectory()
        try copySamples(into: directory, names: Self.names)
        // A corrupt file sorted between good ones, in the same batch.
        try Data("garbage".utf8).write(to: directory.url.appendingPathComponent("m-broken.jpg"))
        let index = MemoryIndex()
        let summary = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2))
        #expect(summary.progress.new == 5 && summary.progress.failed == 1)
        // Each file alone must give the same output as inside the batched scan.
        for name in Self.names {
            let single = TemporaryDirectory()
            try copySamples(into: single, names: [name])
            let alone = MemoryIndex()
            _ = try scan(single, index: alone, classifier: ChecksumClassifier(batch: 1))
            #expect(index.output(name) == alone.output(name), "\(name)")
        }
    }

    @Test func secondScanOpensNothingUnchangedAndDetectsMovesAndVanishing() throws {
        let directory = TemporaryDirectory()
        try copySamples(into: directory, names: Self.names)
        let index = MemoryIndex()
        let classifier = ChecksumClassifier(batch: 4)
        _ = try scan(directory, index: index, classifier: classifier)
        let inferredFirst = classifier.batches.reduce(0, +)
        #expect(inferredFirst == 5)

        index.seen.removeAll()
        let again = try scan(directory, index: index, classifier: classifier)
        #expect(again.progress.unchanged == 5 && again.progress.inferred == 0)

        index.seen.removeAll()
        let before = index.output("skimage-coins.png")
        try FileManager.default.moveItem(atPath: directory.path("skimage-coins.png"), toPath: directory.path("renamed.png"))
        try FileManager.default.removeItem(atPath: directory.path("pillow-hopper.jpg"))
        let moved = try scan(directory, index: index, classifier: classifier)
        #expect(moved.progress.moved == 1 && moved.progress.inferred == 0)
        #expect(index.output("renamed.png") == before)
        #expect(moved.missing == 1)
    }

    @Test func massVanishingIsNotMarkedMissing() throws {
        let directory = TemporaryDirectory()
        for i in 0..<12 {
            try FileManager.default.copyItem(atPath: FixturePaths.sample("pillow-hopper.jpg"), toPath: directory.path("copy\(i).jpg"))
        }
        let index = MemoryIndex()
        _ = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 4))
        for i in 0..<11 { try FileManager.default.removeItem(atPath: directory.path("copy\(i).jpg")) }
        index.seen.removeAll()
        let summary = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 4))
        #expect(summary.missing == 0)
        #expect(summary.protectedRoots.count == 1 && summary.protectedRoots.first?.vanished == 11)
    }

    @Test func unreachableRootMarksNothing() throws {
        let index = MemoryIndex()
        let folders = FolderScan(roots: [Array("/nonexistent/photos".utf8)], walk: WalkOptions(), acceptMassMissing: true)
        let options = ScanOptions(decodeThreads: 1, preparation: ImagePreparation(policy: .squash, size: 16))
        let summary = try ScanPipeline(options: options, source: .folders(folders), index: index, classifier: ChecksumClassifier(batch: 2), cancellation: CancellationFlag()).run { _ in }
        #expect(summary.unavailableRoots.count == 1)
        #expect(summary.missing == 0)
    }

    @Test func cancelledScanWritesOnlyWholeResultsAndMarksNothingMissing() throws {
        let directory = TemporaryDirectory()
        try copySamples(into: directory, names: Self.names)
        let cancel = CancellationFlag()
        cancel.cancel()
        let index = MemoryIndex()
        let summary = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2), cancel: cancel)
        #expect(summary.interrupted)
        #expect(summary.missing == 0)
        #expect(index.rows.values.allSatisfy { $0.file.status != .ok || $0.output != nil })
    }

    @Test func aRootGivenTwiceIsWalkedOnce() throws {
        let directory = TemporaryDirectory()
        try copySamples(into: directory, names: Self.names)
        let index = MemoryIndex()
        let summary = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2), rootCopies: 3)
        #expect(summary.progress.new == 5 && summary.progress.discovered == 5)
        #expect(index.rows.count == 5)
    }

    /// A scan of a folder inside the root keys its files under the root (one row each) and
    /// can only mark files inside that folder missing.
    @Test func aFolderInsideTheRootIsScannedAsPartOfIt() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("sub"), withIntermediateDirectories: true)
        try copySamples(into: directory, names: ["pillow-hopper.jpg", "ljt-testorig.jpg"])
        for name in ["skimage-coins.png", "libpng-toucan.png"] {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path("sub/" + name))
        }
        let index = MemoryIndex()
        let classifier = ChecksumClassifier(batch: 2)
        _ = try scan(directory, index: index, classifier: classifier)
        #expect(index.rows.count == 4)
        index.seen.removeAll()
        try FileManager.default.removeItem(atPath: directory.path("pillow-hopper.jpg"))
        try FileManager.default.removeItem(atPath: directory.path("sub/skimage-coins.png"))
        let folders = FolderScan(roots: [Array(directory.path("sub").utf8)], walk: WalkOptions(), acceptMassMissing: false)
        let options = ScanOptions(decodeThreads: 1, preparation: ImagePreparation(policy: .squash, size: 16))
        let part = try ScanPipeline(options: options, source: .folders(folders), index: index, classifier: classifier, cancellation: CancellationFlag()).run { _ in }
        #expect(part.progress.unchanged == 1 && part.progress.new == 0 && part.progress.inferred == 0)
        #expect(part.missing == 1)
        #expect(index.rows.count == 4)
        let missing = index.rows.values.filter { $0.file.status == .missing }.map { String(decoding: $0.file.relativePath, as: UTF8.self) }
        #expect(missing == ["sub/skimage-coins.png"])
    }

    @Test func aFolderWithoutImagesIsReported() throws {
        let directory = TemporaryDirectory()
        try Data("notes".utf8).write(to: directory.url.appendingPathComponent("readme.txt"))
        let summary = try scan(directory, index: MemoryIndex(), classifier: ChecksumClassifier(batch: 2))
        #expect(summary.emptyFolders == [directory.url.path])
        #expect(summary.progress.discovered == 0)
    }

    @Test func filesAWalkCouldNotReachAreNotMarkedMissing() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("deep"), withIntermediateDirectories: true)
        try copySamples(into: directory, names: ["pillow-hopper.jpg"])
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coins.png"), toPath: directory.path("deep/coins.png"))
        let index = MemoryIndex()
        _ = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2))
        index.seen.removeAll()
        // The same tree walked to depth 1 only: "deep" is skipped, so its file is unseen, not gone.
        let shallow = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2), walk: WalkOptions(maxDepth: 0))
        #expect(shallow.progress.unchanged == 1)
        #expect(shallow.missing == 0)
        // The depth limit is a rule, not a problem: the walk is complete but for that place.
        #expect(shallow.incompleteRoots.isEmpty)
        #expect(index.rows.values.allSatisfy { $0.file.status == .ok })
    }

    /// A link the rules do not follow, or one whose target is gone, hides only its own
    /// subtree: a file deleted elsewhere in the root is still found missing.
    @Test func aPlaceNotWalkedHidesOnlyItsOwnSubtree() throws {
        let directory = TemporaryDirectory()
        let elsewhere = TemporaryDirectory()
        try copySamples(into: directory, names: ["pillow-hopper.jpg", "skimage-coins.png"])
        try FileManager.default.copyItem(atPath: FixturePaths.sample("ljt-testorig.jpg"), toPath: elsewhere.path("linked.jpg"))
        try FileManager.default.createSymbolicLink(atPath: directory.path("more"), withDestinationPath: elsewhere.url.path)
        let index = MemoryIndex()
        let first = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2), walk: WalkOptions(followSymlinks: true))
        #expect(first.progress.new == 3)

        // Not followed this time, and one photo deleted: it is missing, the linked one is not.
        try FileManager.default.removeItem(atPath: directory.path("pillow-hopper.jpg"))
        index.seen.removeAll()
        let plain = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2))
        #expect(plain.missing == 1 && plain.incompleteRoots.isEmpty)
        let status = { (name: String) in index.rows.values.first { String(decoding: $0.file.relativePath, as: UTF8.self) == name }?.file.status }
        #expect(status("pillow-hopper.jpg") == .missing && status("more/linked.jpg") == .ok)

        // Followed, with its target gone: only that link's subtree is unseen, and said so.
        try FileManager.default.removeItem(atPath: elsewhere.url.path)
        try FileManager.default.removeItem(atPath: directory.path("skimage-coins.png"))
        index.seen.removeAll()
        let dangling = try scan(directory, index: index, classifier: ChecksumClassifier(batch: 2), walk: WalkOptions(followSymlinks: true))
        #expect(dangling.missing == 1 && dangling.incompleteRoots.map(\.places) == [1])
        #expect(status("skimage-coins.png") == .missing && status("more/linked.jpg") == .ok)
    }

    @Test func onlyFilesThatFailedToDecodeAreLeftAlone() {
        func known(_ status: KnownFile.Status, fingerprint: [UInt8]?, results: Bool) -> KnownFile {
            KnownFile(
                imageID: 1, rootID: 1, relativePath: [], absolutePath: [], stat: FileStat(size: 1, mtimeNanoseconds: 1, inode: 1, device: 1),
                fingerprint: fingerprint, status: status, hasResults: results)
        }
        #expect(ScanPipeline.settled(known(.ok, fingerprint: [1], results: true)))
        #expect(!ScanPipeline.settled(known(.ok, fingerprint: [1], results: false)))
        // Decoded and failed: the same bytes would fail again.
        #expect(ScanPipeline.settled(known(.failed, fingerprint: [1], results: false)))
        // Could not be read, or failed to read after its content was classified: tried again.
        #expect(!ScanPipeline.settled(known(.failed, fingerprint: nil, results: false)))
        #expect(!ScanPipeline.settled(known(.failed, fingerprint: [1], results: true)))
        #expect(!ScanPipeline.settled(known(.missing, fingerprint: [1], results: true)))
    }

    /// A slow network must not hold finished records back: each is written within the write
    /// interval, not when 256 have gathered.
    @Test func recordsAreWrittenWithinTheWriteInterval() throws {
        final class SlowClassifier: BatchClassifier {
            let maxBatchSize = 1
            func classify(_ images: [RGBImage]) -> [ImageResult] {
                Thread.sleep(forTimeInterval: 0.6)
                return images.map { _ in ImageResult(top: [(0, 1)], features: [1]) }
            }
        }
        let directory = TemporaryDirectory()
        try copySamples(into: directory, names: Array(Self.names.prefix(3)))
        let index = MemoryIndex()
        let folders = FolderScan(roots: [Array(directory.url.path.utf8)], walk: WalkOptions(), acceptMassMissing: false)
        let options = ScanOptions(decodeThreads: 1, preparation: ImagePreparation(policy: .squash, size: 16))
        _ = try ScanPipeline(options: options, source: .folders(folders), index: index, classifier: SlowClassifier(), cancellation: CancellationFlag()).run { _ in }
        // One image every 0.6 s: written one transaction each, not all three at the end.
        #expect(index.writes >= 3)
    }

    /// Files that change between the walk and the read: each becomes a failure with its
    /// reason, or is indexed as it was read, never a crash or another file's result.
    @Test func filesChangingUnderTheScanFailCleanly() throws {
        let directory = TemporaryDirectory()
        try copySamples(into: directory, names: Self.names)
        let victims: [String: @Sendable (String) -> Void] = [
            "pillow-hopper.jpg": { try? FileManager.default.removeItem(atPath: $0) },
            "skimage-coins.png": { path in
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                _ = FileManager.default.createFile(atPath: path, contents: bytes.prefix(bytes.count / 3))
            },
            "ljt-testorig.jpg": { path in
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            },
            "libpng-toucan.png": { path in
                // Rewritten with another photo: indexed as what was read.
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-camera.png"), toPath: path)
            },
        ]
        let folders = FolderScan(roots: [Array(directory.url.path.utf8)], walk: WalkOptions(), acceptMassMissing: false)
        let options = ScanOptions(decodeThreads: 2, preparation: ImagePreparation(policy: .squash, size: 16))
        // The walk looks each file up before the decoders read it: the file changes there.
        let index = MemoryIndex()
        index.onLookup = { relativePath in
            let name = String(decoding: relativePath, as: UTF8.self)
            victims[name]?(directory.path(name))
        }
        let summary = try ScanPipeline(options: options, source: .folders(folders), index: index, classifier: ChecksumClassifier(batch: 2), cancellation: CancellationFlag()).run { _ in }
        #expect(summary.progress.failed == 3 && summary.progress.new == 2)
        let byName = Dictionary(uniqueKeysWithValues: index.rows.values.map { (String(decoding: $0.file.relativePath, as: UTF8.self), $0) })
        for name in ["pillow-hopper.jpg", "skimage-coins.png", "ljt-testorig.jpg"] { #expect(byName[name]?.file.status == .failed, "\(name)") }
        // The rewritten file carries the result of the bytes that were read.
        let camera = TemporaryDirectory()
        try copySamples(into: camera, names: ["skimage-camera.png"])
        let alone = MemoryIndex()
        _ = try scan(camera, index: alone, classifier: ChecksumClassifier(batch: 1))
        #expect(byName["libpng-toucan.png"]?.output == alone.output("skimage-camera.png"))
    }
}
