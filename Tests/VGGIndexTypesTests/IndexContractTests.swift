import Testing
import VGGIndexTypes
import _VGGTestSupport

/// The vocabulary and the compositions every store speaks, checked on the in-memory index
/// the other libraries' tests use, so that a fake that drifts from the contracts fails here.
@Suite("Index contracts")
struct IndexContractTests {
    static let model = ModelRegistration(
        weightsSHA256: "a", name: nil, architecture: .tiny, preprocessing: .torch, resizePolicy: .squash, featureDimension: 2)

    func file(_ name: String, root: Int64) -> FoundFile {
        FoundFile(
            rootID: root, relativePath: Array(name.utf8), absolutePath: Array("/nowhere/\(name)".utf8),
            stat: FileStat(size: 1, mtimeNanoseconds: 1, inode: 1, device: 1))
    }

    @Test func recordsAreKeyedByTheirFile() {
        let found = file("a.jpg", root: 3)
        let records: [ScanRecord] = [
            .indexed(found, replacing: nil, fingerprint: [1], width: 1, height: 1, result: ImageResult(top: [], features: [1])),
            .failed(found, replacing: nil, fingerprint: nil, reason: "no"),
        ]
        for record in records { #expect(record.file.rootID == 3 && record.file.relativePath == Array("a.jpg".utf8)) }
    }

    @Test func aResultHandsOutEachKindOfVector() {
        let result = ImageResult(top: [(1, 0.5)], features: [1, 2], gem: [3], rmac: [4])
        #expect(result.vector(.network) == [1, 2] && result.vector(.gem) == [3] && result.vector(.rmac) == [4])
        #expect(RunStatus.allCases.map(\.rawValue) == ["running", "finished", "interrupted", "failed"])
    }

    /// A writer's stores and a reader's see the same index: a model registered once, a run
    /// recorded, a file written through the run's scan index and found again by path.
    @Test func aWriterAndAReaderAreCompositionsOfTheSameStores() throws {
        let memory = MemoryIndex()
        let writer = memory.writer
        let id = try writer.models.register(Self.model)
        #expect(try writer.models.register(Self.model) == id)
        let run = try writer.runs.begin(options: "", modelID: id)
        let scan = writer.scanIndex(runID: run, modelID: id)
        let target = try scan.target(for: Array("/nowhere".utf8))
        try scan.write([.indexed(
            file("a.jpg", root: target.rootID), replacing: nil, fingerprint: [1], width: 1, height: 1,
            result: ImageResult(top: [(7, 0.9)], features: [0.6, 0.8]))])
        try writer.runs.finish(run, status: .finished, counts: RunCounts())
        #expect(scan.workQueue == nil)

        let reader = memory.reader
        #expect(try reader.models.defaultModel()?.id == id && reader.models.all().first?.imageCount == 1)
        #expect(try reader.runs.last()?.status == .finished)
        #expect(try reader.results.imageID(absolutePath: Array("/nowhere/a.jpg".utf8)) != nil)
        #expect(try reader.results.topClasses(modelID: id, limit: 5).map(\.index) == [7])
        #expect(try reader.search.searchRows(modelID: id).paths == [Array("/nowhere/a.jpg".utf8)])
        #expect(try reader.roots.statuses().map(\.ok) == [1])
        #expect(reader.storedBytes == nil)
        #expect(try reader.queueStatus() == nil)
    }
}
