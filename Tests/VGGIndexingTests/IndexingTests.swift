import Foundation
import Testing
import VGGEngine
import VGGImaging
import VGGIndexTypes
import VGGIndexing
import VGGInference
import VGGModel
import VGGPipeline
import _VGGTestSupport

/// The write side through its own API, on an index held in memory: a scan session from
/// folder to search data, the model checks, result lines and their import, the synthetic
/// index.
@Suite("Indexing")
struct IndexingTests {
    let directory = TemporaryDirectory()

    func model(seed: UInt64 = 1, precision: EngineOptions.Precision = .f32) throws -> LoadedModel {
        let path = try TinyWeights.write(to: directory.path("tiny-\(seed).safetensors"), seed: seed)
        return try LoadedModel.load(
            WeightsRequest(path: path), engine: EngineOptions(threads: 1, maxBatchSize: 2, precision: precision),
            environment: ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_OFFLINE": "1"])
    }

    /// A folder of three photos and one broken file.
    func photos() throws -> String {
        let folder = directory.path("photos")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["pillow-hopper.jpg", "skimage-camera.png", "libpng-toucan.png"] {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: folder + "/" + name)
        }
        _ = FileManager.default.createFile(atPath: folder + "/broken.jpg", contents: Data("not a photo".utf8))
        return folder
    }

    func scan(_ folder: String, into memory: MemoryIndex, model: LoadedModel) throws -> ScanSession.Outcome {
        let preparation = try model.preparation(ImagePreparation())
        let folders = FolderScan(roots: [PathBytes.absolute(folder)], walk: WalkOptions(), acceptMassMissing: false)
        let options = ScanOptions(decodeThreads: 1, preparation: preparation)
        return try ScanSession(index: memory.writer).scan(
            folders: folders, options: options, runOptions: "test", model: model, classifier: EngineClassifier(network: model.network, preset: model.preset),
            cancellation: CancellationFlag(), progress: { _ in })
    }

    @Test func aScanWritesResultsSearchDataAndItsRunAndTheNextSeesWhatChanged() throws {
        let memory = MemoryIndex()
        let folder = try photos()
        let model = try model()
        let first = try scan(folder, into: memory, model: model)
        #expect(first.summary.progress.new == 3 && first.summary.progress.failed == 1 && !first.summary.interrupted)
        #expect(memory.results[first.modelID]?.count == 3)
        // Every result goes in with its int8 code; the basis and projections follow the scan.
        #expect(memory.codes[first.modelID]?.count == 3 && memory.bases[first.modelID] != nil)
        #expect(memory.projections[first.modelID]?.count == 3 && first.searchUpdated == 3)
        #expect(try memory.reader.runs.last()?.status == .finished)
        #expect(try memory.reader.roots.failures().map(\.reason).allSatisfy { !$0.isEmpty })

        try FileManager.default.removeItem(atPath: folder + "/libpng-toucan.png")
        let second = try scan(folder, into: memory, model: model)
        #expect(second.modelID == first.modelID && second.summary.progress.new == 0 && second.summary.missing == 1)
        #expect(try memory.reader.roots.statuses().map(\.missing) == [1])
    }

    @Test func aScanWithOtherWeightsOrPrecisionIsRefusedBeforeAnythingIsWritten() throws {
        let memory = MemoryIndex()
        let first = try model()
        _ = try scan(try photos(), into: memory, model: first)
        let models = try memory.reader.models.all()
        let remembered = try memory.reader.models.defaultModel()
        #expect(ModelChoice.reusedResizePolicy(remembered: remembered, loaded: first) == .squash)
        #expect(throws: Never.self) {
            try ModelChoice.checkScan(loaded: first, resizePolicy: .squash, models: models, remembered: remembered, addModel: false)
        }
        let other = try model(seed: 2)
        #expect(ModelChoice.reusedResizePolicy(remembered: remembered, loaded: other) == nil)
        #expect {
            try ModelChoice.checkScan(loaded: other, resizePolicy: .squash, models: models, remembered: remembered, addModel: false)
        } throws: { error in
            (error as? IndexingError)?.reason.contains("are not a model of this index (model 1: sha256 ") == true
        }
        // Beside it, when asked.
        try ModelChoice.checkScan(loaded: other, resizePolicy: .squash, models: models, remembered: remembered, addModel: true)
        let bf16 = try model(precision: .bf16)
        #expect {
            try ModelChoice.checkScan(loaded: bf16, resizePolicy: .squash, models: models, remembered: remembered, addModel: true)
        } throws: { error in
            (error as? IndexingError)?.reason.contains("model 1's vectors were computed in f32, and this scan would compute bf16") == true
        }
        #expect {
            try ModelChoice.checkWorker(loaded: bf16, target: try #require(remembered))
        } throws: { error in
            (error as? IndexingError)?.reason.contains("is computed in f32, not bf16") == true
        }
    }

    @Test func resultLinesRoundTripAndNameWhatIsWrong() throws {
        let registration = try model().registration(resizePolicy: .centerCrop)
        let result = ImageResult(top: [(3, 0.25)], features: [Float](repeating: 0.5, count: registration.featureDimension))
        let line = ResultLine(
            path: [0x2F, 0xFF], size: 9, mtimeNanoseconds: 10, fingerprint: [1, 2], width: 4, height: 3, result: result, error: nil,
            model: registration)
        for encoding in ResultLine.FeatureEncoding.allCases {
            let parsed = try ResultLine.parse(Array(line.json(features: encoding).utf8))
            #expect(parsed.path == [0x2F, 0xFF] && parsed.result == result && parsed.model == registration)
        }
        let text = line.json(features: .json)
        for (from, to, reason) in [
            ("\"center-crop\"", "\"sideways\"", "\"resize\" \"sideways\""),
            ("\"torch\"", "\"tensorflow\"", "\"preprocessing\" \"tensorflow\""),
            (registration.architecture.metadataValue, "D:1", "\"architecture\" \"D:1\""),
            ("\"precision\": \"f32\"", "\"precision\": \"fp8\"", "\"precision\" \"fp8\": expected f32 or bf16"),
        ] {
            #expect(from.isEmpty || text.contains(from), "\(from) is not in \(text)")
            #expect {
                try ResultLine.parse(Array(text.replacingOccurrences(of: from, with: to).utf8))
            } throws: { error in
                (error as? ResultLine.FormatError)?.reason.contains(reason) == true
            }
        }
    }

    @Test func importedLinesBecomeRowsOfTheirModel() throws {
        let registration = try model().registration(resizePolicy: .squash)
        let file = directory.path("lines.jsonl")
        var text = ""
        for n in 0..<3 {
            let result = ImageResult(top: [(n, 0.5)], features: [Float](repeating: Float(n + 1), count: registration.featureDimension))
            text += ResultLine(
                path: Array("/archive/\(n).jpg".utf8), size: 1, mtimeNanoseconds: 1, fingerprint: [UInt8(n)], width: 2, height: 2,
                result: result, error: nil, model: registration
            ).json(features: .base64F32) + "\n"
        }
        text += "{not json\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let memory = MemoryIndex()
        let summary = try ResultImport(index: memory.writer).run(files: [file], options: ResultImport.Options(), cancellation: CancellationFlag())
        #expect(summary.lines == 4 && summary.new == 3 && summary.malformed == 1 && summary.roots == [Array("/archive".utf8)])
        #expect(try memory.reader.models.all().map(\.weightsSHA256) == [registration.weightsSHA256])
        #expect(try memory.reader.search.searchRows(modelID: 1).count == 3)
    }

    /// A line written through a link whose name is not UTF-8, to a folder whose name is not
    /// either, is stored under the folder the link leads to, byte for byte (the link was once
    /// resolved through its name's escaped display form, a path that does not exist).
    @Test func linesReachedThroughALinkAreStoredUnderTheResolvedFolderByteForByte() throws {
        let registration = try model().registration(resizePolicy: .squash)
        let real = Array(directory.path("real-").utf8) + [0xFF, UInt8(ascii: "x")]
        let link = Array(directory.path("link-").utf8) + [0xFE]
        #expect(mkdir(real.map { CChar(bitPattern: $0) } + [0], 0o755) == 0)
        #expect(symlink(real.map { CChar(bitPattern: $0) } + [0], link.map { CChar(bitPattern: $0) } + [0]) == 0)
        let result = ImageResult(top: [(1, 0.5)], features: [Float](repeating: 1, count: registration.featureDimension))
        let line = ResultLine(
            path: link + Array("/a.jpg".utf8), size: 1, mtimeNanoseconds: 1, fingerprint: [1], width: 2, height: 2,
            result: result, error: nil, model: registration
        ).json(features: .base64F32) + "\n"
        let file = directory.path("linked.jsonl")
        try line.write(toFile: file, atomically: true, encoding: .utf8)
        var options = ResultImport.Options()
        options.roots = [PathBytes.absolute(bytes: real)]
        let memory = MemoryIndex()
        let summary = try ResultImport(index: memory.writer).run(files: [file], options: options, cancellation: CancellationFlag())
        #expect(summary.new == 1 && summary.outsideRoots == 0, "\(summary)")
        #expect(try memory.reader.results.imageID(absolutePath: PathBytes.absolute(bytes: real) + Array("/a.jpg".utf8)) != nil)
    }

    /// Paths streamed in come out as result lines keyed by their path, a broken file as a
    /// line with its error, in whatever order they finish.
    @Test func streamedPathsBecomeResultLinesKeyedByPath() throws {
        let folder = try photos()
        let loaded = try model()
        let names = ["pillow-hopper.jpg", "broken.jpg", "skimage-camera.png"]
        var pipe: [Int32] = [0, 0]
        #expect(Foundation.pipe(&pipe) == 0)
        let list = names.map { folder + "/" + $0 }.joined(separator: "\n") + "\n"
        _ = list.withCString { write(pipe[1], $0, strlen($0)) }
        close(pipe[1])
        defer { close(pipe[0]) }
        let classification = StreamClassification(
            model: loaded, options: ScanOptions(decodeThreads: 1, preparation: try loaded.preparation(ImagePreparation())), top: 3,
            features: nil)
        nonisolated(unsafe) var text = ""
        let outcome = try classification.run(descriptor: pipe[0], separator: .newline, cancellation: CancellationFlag()) { text += $0 }
        #expect(outcome.inputError == nil && outcome.summary.progress.done == 3 && outcome.summary.progress.failed == 1)
        let lines = try text.split(separator: "\n").map { try ResultLine.parse(Array($0.utf8)) }
        let byPath = Dictionary(uniqueKeysWithValues: lines.map { (String(decoding: $0.path, as: UTF8.self), $0) })
        #expect(Set(byPath.keys) == Set(names.map { folder + "/" + $0 }))
        #expect(byPath[folder + "/broken.jpg"]?.error != nil && byPath[folder + "/pillow-hopper.jpg"]?.result.top.count == 3)
    }

    /// A queue's workers as a test sets them: nothing waits until `waiting` is filled.
    final class Workers: WorkerRegistry, @unchecked Sendable {
        let lock = NSLock()
        var waiting: [(model: StoredModel, waiting: Int)] = []
        func waitingModels() throws(StoreError) -> [(model: StoredModel, waiting: Int)] {
            lock.lock()
            defer { lock.unlock() }
            return waiting
        }
        func register(modelID: Int64) throws(StoreError) {}
    }

    /// A worker asks which model files wait for; with `follow` it says once that the queue is
    /// empty and waits until work comes (or it is cancelled), without it it stops at once.
    @Test func aWorkerWaitsForWorkOnlyWhenItFollows() throws {
        let memory = MemoryIndex()
        let base = memory.writer
        let workers = Workers()
        let writer = IndexWriter(
            location: base.location, models: base.models, roots: base.roots, runs: base.runs, search: base.search, workers: workers,
            scanIndex: { base.scanIndex(runID: $0, modelID: $1) }, close: {})
        let session = ScanSession(index: writer, environment: ["XDG_CACHE_HOME": directory.path("cache")])
        #expect(try session.waitingModel(id: nil, follow: false, cancellation: CancellationFlag()) .map(\.waiting) == nil)
        #expect(throws: IndexingError.self) { try ScanSession(index: base).waitingModel(id: nil) }

        let stored = StoredModel(id: 3, registration: try model().registration(resizePolicy: .squash), weights: nil, imageCount: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            workers.lock.lock()
            workers.waiting = [(stored, 12)]
            workers.lock.unlock()
        }
        var idle = 0
        let found = try session.waitingModel(id: nil, follow: true, cancellation: CancellationFlag(), pollInterval: 0.05) { idle += 1 }
        #expect(found?.model.id == 3 && found?.waiting == 12 && idle == 1)

        let cancelled = CancellationFlag()
        workers.waiting = []
        cancelled.cancel()
        #expect(try session.waitingModel(id: nil, follow: true, cancellation: cancelled, pollInterval: 0.05).map(\.waiting) == nil)
    }

    @Test func theSyntheticIndexHasItsNearCopiesAndItsSearchData() throws {
        let memory = MemoryIndex()
        var generator = SyntheticIndex(seed: 3)
        let projected = try generator.write(images: 120, into: memory.writer, threads: 2)
        #expect(projected == 120 && memory.codes[1]?.count == 120)
        let rows = try memory.reader.search.searchRows(modelID: 1)
        let features = try memory.reader.search.features(imageIDs: rows.imageIDs, modelID: 1).compactMap { $0 }
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        // Image 51 is a near copy of image 50; image 50 is nothing like image 10.
        #expect(cosine(features[50], features[51]) > 0.99 && cosine(features[10], features[50]) < 0.95)
    }

    /// A narrow network vector is the first values of the full one, and every descriptor is
    /// the one a full-width index of the seed has (the 2,000,000-image benchmark's R-MAC is
    /// the smaller ones' R-MAC).
    @Test func aNarrowSyntheticIndexKeepsTheFullOnesDescriptors() throws {
        let structure = SyntheticIndex.Structure(clusters: 3, groupSize: 3)
        var narrowStructure = structure
        narrowStructure.networkWidth = 16
        let full = MemoryIndex(), narrow = MemoryIndex()
        var fullGenerator = SyntheticIndex(seed: 5, structure: structure)
        var narrowGenerator = SyntheticIndex(seed: 5, structure: narrowStructure)
        _ = try fullGenerator.write(images: 110, into: full.writer, threads: 2)
        _ = try narrowGenerator.write(images: 110, into: narrow.writer, threads: 2)
        #expect(try narrow.reader.models.all().map(\.featureDimension) == [16])
        let rows = try full.reader.search.searchRows(modelID: 1).imageIDs
        #expect(try narrow.reader.search.searchRows(modelID: 1).imageIDs == rows && rows.count == 110)
        for kind in [FeatureKind.gem, .rmac] {
            let a = try full.reader.search.descriptors(imageIDs: rows, modelID: 1, kind: kind)
            let b = try narrow.reader.search.descriptors(imageIDs: rows, modelID: 1, kind: kind)
            #expect(a == b && a.allSatisfy { $0?.count == 512 })
        }
        let a = try full.reader.search.features(imageIDs: rows, modelID: 1)
        let b = try narrow.reader.search.features(imageIDs: rows, modelID: 1)
        #expect(zip(a, b).allSatisfy { full, narrow in full.map { Array($0.prefix(16)) } == narrow })
    }

    /// Clustered vectors and planted groups of three: the groups are reported and are near
    /// copies, and photos of one subject are closer than photos of two.
    @Test func aClusteredSyntheticIndexHasSubjectsAndPlantedGroups() throws {
        let memory = MemoryIndex()
        var generator = SyntheticIndex(seed: 3, structure: SyntheticIndex.Structure(clusters: 4, groupSize: 3))
        var groups = [[Int]]()
        _ = try generator.write(images: 200, into: memory.writer, threads: 2) { groups.append($0) }
        #expect(groups == (0..<4).map { [$0 * 50, $0 * 50 + 1, $0 * 50 + 2] })
        let rows = try memory.reader.search.searchRows(modelID: 1, descriptor: .rmac)
        let rmac = try memory.reader.search.descriptors(imageIDs: rows.imageIDs, modelID: 1, kind: .rmac).compactMap { $0 }
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for group in groups {
            #expect(dot(rmac[group[0]], rmac[group[1]]) > 0.99 && dot(rmac[group[0]], rmac[group[2]]) > 0.99)
        }
        // Pairs of distinct images: the closest quarter are far closer than the farthest
        // quarter (a mixture of four subjects), as they are not without clusters.
        func spread(_ vectors: [[Float]]) -> Float {
            var scores = [Float]()
            for i in stride(from: 3, to: 100, by: 5) { for j in stride(from: i + 50, to: 200, by: 7) { scores.append(dot(vectors[i], vectors[j])) } }
            scores.sort()
            return scores[scores.count * 7 / 8] - scores[scores.count / 8]
        }
        let plain = MemoryIndex()
        var unclustered = SyntheticIndex(seed: 3)
        _ = try unclustered.write(images: 200, into: plain.writer, threads: 2)
        let plainRows = try plain.reader.search.searchRows(modelID: 1, descriptor: .rmac)
        let plainRmac = try plain.reader.search.descriptors(imageIDs: plainRows.imageIDs, modelID: 1, kind: .rmac).compactMap { $0 }
        #expect(spread(rmac) > 0.15 && spread(rmac) > 2 * spread(plainRmac), "\(spread(rmac)) against \(spread(plainRmac))")
    }
}
