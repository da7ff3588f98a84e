import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import VGGSQL
import _VGGTestSupport

/// What the scan's writes keep and what they drop, on every backend.
@Suite("Scan writes")
struct ScanWriteTests {
    /// A fresh index with a root, a model and a run.
    struct Fixture {
        let sql: SQLFixture
        let rootID: Int64
        let runID: Int64
        var index: SQLIndex { sql.index }

        init(_ backend: TestBackend) throws {
            sql = try SQLFixture(backend)
            rootID = try sql.scope("/photos").scope.root.id
            runID = try sql.index.runs.begin(options: "", modelID: sql.modelID)
        }

        func image(_ name: String) throws -> StoredImage? {
            try index.files.image(rootID: rootID, relativePath: Array(name.utf8), modelID: sql.modelID)
        }

        func fail(_ id: Int64, fingerprint: [UInt8]?, reason: String) throws {
            try index.writeTransaction { () throws(StoreError) in
                try index.files.storeFailure(
                    sql.file("a.jpg", root: rootID), replacing: id, fingerprint: fingerprint, reason: reason, runID: runID)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func aFileThatCannotBeReadKeepsItsResultsAndContent(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.sql.store("a.jpg", root: f.rootID, run: f.runID, fingerprint: [1, 2, 3])
        try f.fail(id, fingerprint: nil, reason: "cannot read file: Input/output error")
        #expect(try f.sql.count("feature") == 1 && f.sql.count("prediction") == 1)
        let row = try #require(try f.image("a.jpg"))
        #expect(row.status == .failed && row.fingerprint == [1, 2, 3] && row.hasResults)

        // Readable again with the same bytes: back to ok, results untouched.
        try f.index.writeTransaction { () throws(StoreError) in try f.index.files.updateStat(imageID: id, stat: f.sql.stat, runID: f.runID) }
        let again = try #require(try f.image("a.jpg"))
        #expect(again.status == .ok && again.hasResults)
    }

    @Test(arguments: TestBackend.available)
    func newContentThatFailsToDecodeDropsTheOldResults(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.sql.store("a.jpg", root: f.rootID, run: f.runID, fingerprint: [1, 2, 3])
        try f.fail(id, fingerprint: [9, 9], reason: "not a JPEG or PNG file")
        #expect(try f.sql.count("feature") == 0 && f.sql.count("prediction") == 0)
        let row = try #require(try f.image("a.jpg"))
        #expect(row.status == .failed && row.fingerprint == [9, 9] && !row.hasResults)
    }

    /// Changed content replaces the row's results for every model; the same content computed
    /// for another model keeps the first model's.
    @Test(arguments: TestBackend.available)
    func changedContentReplacesResultsAndSameContentKeepsOtherModels(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.sql.store("a.jpg", root: f.rootID, run: f.runID, fingerprint: [1])
        let other = try f.index.models.register(SQLFixture.registration(sha: "b"))
        func replace(fingerprint: [UInt8], model: Int64, features: [Float]) throws {
            let indexed = SQLFiles.Indexed(
                file: f.sql.file("a.jpg", root: f.rootID), fingerprint: fingerprint, width: 4, height: 3, result: SQLFixture.result(features))
            try f.index.writeTransaction { () throws(StoreError) in
                try f.index.files.storeIndexed(indexed, replacing: id, runID: f.runID, modelID: model)
            }
        }
        try replace(fingerprint: [1], model: other, features: [4, 3, 2, 1])
        #expect(try f.sql.features(id) == [1, 2, 3, 4] && f.sql.features(id, model: other) == [4, 3, 2, 1])
        try replace(fingerprint: [2], model: other, features: [0, 0, 0, 1])
        #expect(try f.sql.features(id) == nil && f.sql.features(id, model: other) == [0, 0, 0, 1])
    }

    @Test(arguments: TestBackend.available)
    func aRunLeftRunningByAKilledScanIsMarkedInterrupted(backend: TestBackend) throws {
        let f = try Fixture(backend)
        // `runID` was begun and never finished, as after SIGKILL.
        let next = try f.index.runs.begin(options: "", modelID: f.sql.modelID)
        let statuses = try f.index.database.query("SELECT id, status FROM scan_run ORDER BY id", [])
        #expect(statuses.map { $0[1] } == [.text("interrupted"), .text("running")])
        #expect(statuses.last?[0] == .integer(next))
    }

    /// Two new copies of a vanished file's content, written by two writers that both took it
    /// for theirs (two workers of a shared queue): the first moves the row, the second gets a
    /// row of its own with the same results, and nothing is lost.
    @Test(arguments: TestBackend.available)
    func aMoveThatLostTheRaceGetsACopyOfTheResults(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let id = try f.sql.store("a.jpg", root: f.rootID, run: f.runID, fingerprint: [1, 2, 3])
        let known = SQLScanIndex.knownFile(try #require(try f.image("a.jpg")))
        for name in ["b.jpg", "c.jpg"] {
            try f.index.writeTransaction { () throws(StoreError) in
                try f.index.files.move(known, to: f.sql.file(name, root: f.rootID), runID: f.runID)
            }
        }
        let b = try #require(try f.image("b.jpg"))
        let c = try #require(try f.image("c.jpg"))
        #expect(b.id == id && c.id != id && c.fingerprint == [1, 2, 3] && c.hasResults && c.status == .ok)
        #expect(try f.sql.features(c.id) == [1, 2, 3, 4])
        #expect(try f.index.results.topFiveClasses(modelID: f.sql.modelID, imageIDs: [c.id]) == [c.id: [7]])
        #expect(try f.image("a.jpg") == nil)
    }
}

/// The revisions an approximate index relies on: every descriptor written (new, changed,
/// copied to a moved file) gets a revision above every earlier one, even after deletions.
@Suite("Vector revisions")
struct VectorRevisionTests {
    func revisions(_ f: ScanWriteTests.Fixture, _ id: Int64) throws -> [Int64] {
        try f.index.database.query("SELECT revision FROM descriptor WHERE image_id = ? ORDER BY kind", [.integer(id)]).map { $0[0].integer ?? -1 }
    }

    @Test(arguments: TestBackend.available)
    func everyWriteOfADescriptorTakesANewHigherRevision(backend: TestBackend) throws {
        let f = try ScanWriteTests.Fixture(backend)
        let data = f.index.approximate
        let start = try #require(try data.revisionState(committed: true))
        let a = try f.sql.store("a.jpg", root: f.rootID, run: f.runID)
        let first = try revisions(f, a)
        #expect(first.count == 2 && first[0] == first[1] && first[0] > start.revision)
        let feature = try f.index.database.query("SELECT revision FROM feature WHERE image_id = ?", [.integer(a)]).first?.first?.integer
        #expect(feature == first[0])
        #expect(try data.vectorCount(modelID: f.sql.modelID, kind: .network, after: start.revision) == 1)
        #expect(try data.revisionState(committed: true)?.revision == first[0])
        #expect(try data.vectorCount(modelID: f.sql.modelID, kind: .rmac, after: start.revision) == 1)
        #expect(try data.vectorCount(modelID: f.sql.modelID, kind: .rmac, after: first[0]) == 0)

        // Changed content: a higher revision, and the row is above the old one.
        let changed = SQLFiles.Indexed(
            file: f.sql.file("a.jpg", root: f.rootID), fingerprint: [7], width: 4, height: 3, result: SQLFixture.result([4, 3, 2, 1]))
        try f.index.writeTransaction { () throws(StoreError) in
            try f.index.files.storeIndexed(changed, replacing: a, runID: f.runID, modelID: f.sql.modelID)
        }
        let second = try revisions(f, a)
        #expect(second[0] > first[0])

        // The newest row deleted: the counter does not go back, the next write is higher still.
        try f.index.database.run("DELETE FROM image WHERE id = ?", [.integer(a)])
        let b = try f.sql.store("b.jpg", root: f.rootID, run: f.runID)
        #expect(try revisions(f, b)[0] > second[0])

        // Moved while its old row was taken by another writer: the copy is a new row.
        let c = try f.sql.store("c.jpg", root: f.rootID, run: f.runID, fingerprint: [3])
        let before = try revisions(f, c)[0]
        try f.index.database.run("UPDATE image SET relative_path = ? WHERE id = ?", [.blob(Array("elsewhere.jpg".utf8)), .integer(c)])
        let known = KnownFile(
            imageID: c, rootID: f.rootID, relativePath: Array("c.jpg".utf8), absolutePath: Array("/r/c.jpg".utf8), stat: f.sql.stat,
            fingerprint: [3], status: .ok, hasResults: true)
        try f.index.writeTransaction { () throws(StoreError) in try f.index.files.move(known, to: f.sql.file("d.jpg", root: f.rootID), runID: f.runID) }
        let d = try #require(try f.image("d.jpg")?.id)
        let moved = try revisions(f, d)
        #expect(d != c && moved.allSatisfy { $0 > before })

        // Streaming above a revision gives exactly the rows written after it, with their status.
        var streamed = [Int64]()
        try data.forEachVector(modelID: f.sql.modelID, kind: .gem, after: before, dimension: 2, chunk: 1) { ids, vectors, ok in
            #expect(vectors.count == 2 * ids.count && ok.allSatisfy { $0 })
            streamed += ids
        }
        #expect(streamed == [d])
        let candidates = try data.candidates(imageIDs: [b, d, 999], modelID: f.sql.modelID, kind: .rmac)
        #expect(Set(candidates.map(\.imageID)) == [b, d] && candidates.allSatisfy { $0.vector == [0.8, 0.6] })
    }

    @Test(arguments: TestBackend.available)
    func aCheckIsRecordedByModelAndKind(backend: TestBackend) throws {
        let f = try ScanWriteTests.Fixture(backend)
        let check = ApproximateCheck(build: "b1", checkedAt: "now", queries: 200, probes: 16, recallAt1: 0.99, recallAt10: 0.98)
        #expect(try f.index.approximate.lastCheck(modelID: f.sql.modelID, kind: .rmac) == nil)
        try f.index.approximate.recordCheck(check, modelID: f.sql.modelID, kind: .rmac)
        var again = check
        again.build = "b2"
        try f.index.approximate.recordCheck(again, modelID: f.sql.modelID, kind: .rmac)
        #expect(try f.index.approximate.lastCheck(modelID: f.sql.modelID, kind: .rmac) == again)
        #expect(try f.index.approximate.lastCheck(modelID: f.sql.modelID, kind: .gem) == nil)
    }
}

/// The most frequent first labels count ok images only, on every backend.
@Suite("Label counts")
struct LabelCountTests {
    @Test(arguments: TestBackend.available)
    func labelsOfFilesThatFailedOrWentMissingAreNotCounted(backend: TestBackend) throws {
        let f = try ScanWriteTests.Fixture(backend)
        let a = try f.sql.store("a.jpg", root: f.rootID, run: f.runID, result: SQLFixture.result(top: 7))
        try f.sql.store("b.jpg", root: f.rootID, run: f.runID, result: SQLFixture.result(top: 7))
        let c = try f.sql.store("c.jpg", root: f.rootID, run: f.runID, result: SQLFixture.result(top: 7))
        try f.sql.store("d.jpg", root: f.rootID, run: f.runID, result: SQLFixture.result(top: 9))
        try f.sql.store("e.jpg", root: f.rootID, run: f.runID, result: SQLFixture.result(top: 3))
        let counts = { try f.index.results.topClasses(modelID: f.sql.modelID, limit: 5).map { [$0.index, $0.count] } }
        #expect(try counts() == [[7, 3], [3, 1], [9, 1]])
        // a.jpg cannot be read (its results stay), c.jpg is gone: 7 counts once.
        try f.fail(a, fingerprint: nil, reason: "cannot read file")
        try f.index.database.run("UPDATE image SET status = 'missing' WHERE id = ?", [.integer(c)])
        #expect(try counts() == [[3, 1], [7, 1], [9, 1]])
        #expect(try f.index.results.topClasses(modelID: f.sql.modelID, limit: 2).map(\.index) == [3, 7])
    }
}
