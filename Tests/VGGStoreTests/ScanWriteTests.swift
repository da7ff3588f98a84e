import VGGCommon
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import VGGSearch
import _VGGTestSupport

/// What the scan's writes keep and what they drop.
@Suite("Scan writes")
struct ScanWriteTests {
    let directory = TemporaryDirectory()
    let database: IndexDatabase
    let rootID: Int64
    let modelID: Int64
    let runID: Int64
    let stat = FileStat(size: 10, mtimeNanoseconds: 20, inode: 30, device: 40)

    init() throws {
        let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
        self.database = database
        rootID = try database.writeTransaction { () throws(StoreError) in try database.scope(for: Array("/photos".utf8)).scope.root.id }
        modelID = try database.modelID(
            weightsSHA256: String(repeating: "a", count: 64), name: nil, architecture: "vgg16", preprocessing: "torch",
            resizePolicy: "squash", featureDimension: 4)
        runID = try database.beginRun(options: "", modelID: modelID)
    }

    func count(_ table: String) throws -> Int64? {
        try integer(database.connection, "SELECT COUNT(*) FROM \(table)")
    }

    func storeClassified(fingerprint: [UInt8]) throws -> Int64 {
        try database.writeTransaction { () throws(StoreError) in
            try database.storeIndexed(
                existingID: nil, rootID: rootID, relativePath: Array("a.jpg".utf8), stat: stat, fingerprint: fingerprint,
                width: 4, height: 3, runID: runID, modelID: modelID, top: [(index: 7, probability: 0.5)], features: [1, 2, 3, 4])
        }
    }

    @Test func aFileThatCannotBeReadKeepsItsResultsAndContent() throws {
        let id = try storeClassified(fingerprint: [1, 2, 3])
        try database.writeTransaction { () throws(StoreError) in
            try database.storeFailure(
                existingID: id, rootID: rootID, relativePath: Array("a.jpg".utf8), stat: stat, fingerprint: nil,
                reason: "cannot read file: Input/output error", runID: runID)
        }
        #expect(try count("feature") == 1 && count("prediction") == 1)
        let row = try #require(try database.image(rootID: rootID, relativePath: Array("a.jpg".utf8), modelID: modelID))
        #expect(row.status == "failed" && row.fingerprint == [1, 2, 3] && row.hasResults)

        // Readable again with the same bytes: back to ok, results untouched.
        try database.writeTransaction { () throws(StoreError) in try database.updateStat(imageID: id, stat: stat, runID: runID) }
        let again = try #require(try database.image(rootID: rootID, relativePath: Array("a.jpg".utf8), modelID: modelID))
        #expect(again.status == "ok" && again.hasResults)
    }

    @Test func newContentThatFailsToDecodeDropsTheOldResults() throws {
        let id = try storeClassified(fingerprint: [1, 2, 3])
        try database.writeTransaction { () throws(StoreError) in
            try database.storeFailure(
                existingID: id, rootID: rootID, relativePath: Array("a.jpg".utf8), stat: stat, fingerprint: [9, 9],
                reason: "not a JPEG or PNG file", runID: runID)
        }
        #expect(try count("feature") == 0 && count("prediction") == 0)
        let row = try #require(try database.image(rootID: rootID, relativePath: Array("a.jpg".utf8), modelID: modelID))
        #expect(row.status == "failed" && row.fingerprint == [9, 9] && !row.hasResults)
    }

    @Test func aRunLeftRunningByAKilledScanIsMarkedInterrupted() throws {
        // `runID` was begun and never finished, as after SIGKILL.
        let next = try database.beginRun(options: "", modelID: modelID)
        let statuses = try database.connection.query("SELECT id, status FROM scan_run ORDER BY id")
        #expect(statuses.map { $0[1] } == [.text("interrupted"), .text("running")])
        #expect(statuses.last?[0] == .integer(next))
    }
}
