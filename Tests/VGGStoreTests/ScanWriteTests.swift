import VGGCommon
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import VGGPipeline
import VGGSearch
import _VGGTestSupport

/// What the scan's writes keep and what they drop.
@Suite("Scan writes")
struct ScanWriteTests {
    /// A fresh index on one backend, with a root, a model and a run.
    struct Fixture {
        let location: TestLocation
        let database: SQLIndex
        let rootID: Int64
        let modelID: Int64
        let runID: Int64
        let stat = FileStat(size: 10, mtimeNanoseconds: 20, inode: 30, device: 40)

        init(_ backend: TestBackend) throws {
            location = try backend.freshLocation()
            let database = try location.openWriter()
            self.database = database
            rootID = try database.writeTransaction { () throws(StoreError) in try database.scope(for: Array("/photos".utf8)).scope.root.id }
            modelID = try database.modelID(
                weightsSHA256: String(repeating: "a", count: 64), name: nil, architecture: "vgg16", preprocessing: "torch",
                resizePolicy: "squash", featureDimension: 4)
            runID = try database.beginRun(options: "", modelID: modelID)
        }

        func count(_ table: String) throws -> Int64? {
            try database.database.query("SELECT COUNT(*) FROM \(table)", []).first?.first?.integer
        }

        func storeClassified(fingerprint: [UInt8]) throws -> Int64 {
            try database.writeTransaction { () throws(StoreError) in
                try database.storeIndexed(
                    existingID: nil, rootID: rootID, relativePath: Array("a.jpg".utf8), stat: stat, fingerprint: fingerprint,
                    width: 4, height: 3, runID: runID, modelID: modelID, output: ImageResult(top: [(index: 7, probability: 0.5)], features: [1, 2, 3, 4], gem: [0.6, 0.8], rmac: [0.8, 0.6]))
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func aFileThatCannotBeReadKeepsItsResultsAndContent(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.storeClassified(fingerprint: [1, 2, 3])
        try f.database.writeTransaction { () throws(StoreError) in
            try f.database.storeFailure(
                existingID: id, rootID: f.rootID, relativePath: Array("a.jpg".utf8), stat: f.stat, fingerprint: nil,
                reason: "cannot read file: Input/output error", runID: f.runID)
        }
        #expect(try f.count("feature") == 1 && f.count("prediction") == 1)
        let row = try #require(try f.database.image(rootID: f.rootID, relativePath: Array("a.jpg".utf8), modelID: f.modelID))
        #expect(row.status == "failed" && row.fingerprint == [1, 2, 3] && row.hasResults)

        // Readable again with the same bytes: back to ok, results untouched.
        try f.database.writeTransaction { () throws(StoreError) in try f.database.updateStat(imageID: id, stat: f.stat, runID: f.runID) }
        let again = try #require(try f.database.image(rootID: f.rootID, relativePath: Array("a.jpg".utf8), modelID: f.modelID))
        #expect(again.status == "ok" && again.hasResults)
    }

    @Test(arguments: TestBackend.available)
    func newContentThatFailsToDecodeDropsTheOldResults(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.storeClassified(fingerprint: [1, 2, 3])
        try f.database.writeTransaction { () throws(StoreError) in
            try f.database.storeFailure(
                existingID: id, rootID: f.rootID, relativePath: Array("a.jpg".utf8), stat: f.stat, fingerprint: [9, 9],
                reason: "not a JPEG or PNG file", runID: f.runID)
        }
        #expect(try f.count("feature") == 0 && f.count("prediction") == 0)
        let row = try #require(try f.database.image(rootID: f.rootID, relativePath: Array("a.jpg".utf8), modelID: f.modelID))
        #expect(row.status == "failed" && row.fingerprint == [9, 9] && !row.hasResults)
    }

    @Test(arguments: TestBackend.available)
    func aRunLeftRunningByAKilledScanIsMarkedInterrupted(backend: TestBackend) throws {
        let f = try Fixture(backend)
        // `runID` was begun and never finished, as after SIGKILL.
        let next = try f.database.beginRun(options: "", modelID: f.modelID)
        let statuses = try f.database.database.query("SELECT id, status FROM scan_run ORDER BY id", [])
        #expect(statuses.map { $0[1] } == [.text("interrupted"), .text("running")])
        #expect(statuses.last?[0] == .integer(next))
    }

    /// Two new copies of a vanished file's content, written by two writers that both took it
    /// for theirs (two workers of a shared queue): the first moves the row, the second gets a
    /// row of its own with the same results, and nothing is lost.
    @Test(arguments: TestBackend.available)
    func aMoveThatLostTheRaceGetsACopyOfTheResults(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.storeClassified(fingerprint: [1, 2, 3])
        let old = Array("a.jpg".utf8)
        for name in ["b.jpg", "c.jpg"] {
            try f.database.writeTransaction { () throws(StoreError) in
                try f.database.move(
                    imageID: id, from: f.rootID, old, to: f.rootID, Array(name.utf8), stat: f.stat, runID: f.runID)
            }
        }
        let b = try #require(try f.database.image(rootID: f.rootID, relativePath: Array("b.jpg".utf8), modelID: f.modelID))
        let c = try #require(try f.database.image(rootID: f.rootID, relativePath: Array("c.jpg".utf8), modelID: f.modelID))
        #expect(b.id == id && c.id != id && c.fingerprint == [1, 2, 3] && c.hasResults && c.status == "ok")
        #expect(try f.database.features(imageID: c.id, modelID: f.modelID) == [1, 2, 3, 4])
        #expect(try f.database.predictions(imageID: c.id, modelID: f.modelID).map(\.index) == [7])
        #expect(try f.database.image(rootID: f.rootID, relativePath: old, modelID: f.modelID) == nil)
    }
}
