import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import VGGSQL
import _VGGTestSupport

/// The counts kept as rows are written (`image_tally`, `vector_tally`, `label_tally`) agree
/// with counting the rows after every kind of write, on every backend.
@Suite("Tallies")
struct TallyTests {
    /// (key, count) pairs of a query, zero counts left out.
    func pairs(_ f: SQLFixture, _ sql: String) throws -> [String: Int64] {
        var found = [String: Int64]()
        for row in try f.index.database.query(sql, []) {
            let key = row.dropLast().map { value -> String in
                switch value {
                case .integer(let n): return "\(n)"
                case .text(let t): return t
                default: return "\(value)"
                }
            }.joined(separator: "|")
            if let count = row.last?.integer, count != 0 { found[key] = count }
        }
        return found
    }

    func expectTalliesAgree(_ f: SQLFixture, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let images = try pairs(f, "SELECT root_id, status, COALESCE(format, ''), COUNT(*) FROM image GROUP BY 1, 2, 3")
        let imageTally = try pairs(f, "SELECT root_id, status, format, CAST(SUM(images) AS BIGINT) FROM image_tally GROUP BY 1, 2, 3")
        #expect(imageTally == images, "\(step): images", sourceLocation: sourceLocation)
        let vectors = try pairs(
            f, "SELECT model_id, 'feature', COUNT(*) FROM feature GROUP BY 1 UNION ALL SELECT model_id, kind, COUNT(*) FROM descriptor GROUP BY 1, 2")
        let vectorTally = try pairs(f, "SELECT model_id, kind, CAST(SUM(vectors) AS BIGINT) FROM vector_tally GROUP BY 1, 2")
        #expect(vectorTally == vectors, "\(step): vectors", sourceLocation: sourceLocation)
        let labels = try pairs(f, "SELECT model_id, class_index, COUNT(*) FROM prediction WHERE rank = 1 GROUP BY 1, 2")
        let labelTally = try pairs(f, "SELECT model_id, class_index, CAST(SUM(images) AS BIGINT) FROM label_tally GROUP BY 1, 2")
        #expect(labelTally == labels, "\(step): labels", sourceLocation: sourceLocation)
    }

    @Test(arguments: TestBackend.available)
    func talliesFollowEveryWrite(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let a = try f.scope("/a").scope.root
        let b = try f.scope("/b").scope.root
        let run = try f.index.runs.begin(options: "", modelID: f.modelID)
        var ids = [String: Int64]()
        for (number, name) in ["1.jpg", "2.jpg", "3.png", "x/4.jpg"].enumerated() {
            ids[name] = try f.store(name, root: a.id, run: run, result: SQLFixture.result([1, 2, 3, Float(number)], top: number % 2))
        }
        ids["5.jpg"] = try f.store("5.jpg", root: b.id, run: run, result: SQLFixture.result(top: 3))
        try expectTalliesAgree(f, "new files")

        // New content with a format; a failure; a file that cannot be read; seen again.
        let changed = SQLFiles.Indexed(
            file: f.file("1.jpg", root: a.id), fingerprint: [9, 9], width: 4, height: 3, result: SQLFixture.result(top: 7), format: .jpeg)
        try f.index.writeTransaction { () throws(StoreError) in
            try f.index.files.storeIndexed(changed, replacing: ids["1.jpg"]!, runID: run, modelID: f.modelID)
            try f.index.files.storeFailure(f.file("2.jpg", root: a.id), replacing: ids["2.jpg"]!, fingerprint: [1], reason: "broken", runID: run)
            try f.index.files.storeFailure(f.file("3.png", root: a.id), replacing: ids["3.png"]!, fingerprint: nil, reason: "unreadable", runID: run)
            try f.index.files.storeFailure(f.file("6.jpg", root: a.id), replacing: nil, fingerprint: nil, reason: "unreadable", runID: run)
            try f.index.files.touch(imageID: ids["5.jpg"]!, runID: run)
        }
        try expectTalliesAgree(f, "changed, failed, touched")

        // A second model's results beside the first's; then missing files, back again, pruned.
        let other = try f.index.models.register(SQLFixture.registration(sha: String(repeating: "b", count: 64)))
        try f.store("7.jpg", root: b.id, run: run, model: other, result: SQLFixture.result(top: 11))
        let second = try f.index.runs.begin(options: "", modelID: f.modelID)
        let scopeA = try f.scope("/a").scope
        _ = try f.index.writeTransaction { () throws(StoreError) in try f.index.files.markMissing(in: scopeA, runID: second, unwalked: []) }
        try expectTalliesAgree(f, "marked missing")
        try f.index.writeTransaction { () throws(StoreError) in
            try f.index.files.updateStat(imageID: ids["x/4.jpg"]!, stat: f.stat, runID: second)
        }
        try expectTalliesAgree(f, "back again")
        #expect(try f.index.roots.pruneMissing() > 0)
        try expectTalliesAgree(f, "pruned")

        // Roots folded into one that contains them, then removed.
        _ = try f.scope("/")
        try expectTalliesAgree(f, "folded")
        for root in try f.index.roots.all() { _ = try f.index.roots.remove(root) }
        try expectTalliesAgree(f, "removed")
        #expect(try f.index.roots.statuses().isEmpty && f.index.roots.formats().isEmpty)
        #expect(try f.index.search.featureCount(modelID: f.modelID) == 0)
    }

    /// What the readers report comes from the tallies, and is what counting the rows gives.
    @Test(arguments: TestBackend.available)
    func readersReportTheTallies(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let a = try f.scope("/a").scope.root
        let run = try f.index.runs.begin(options: "", modelID: f.modelID)
        try f.store("1.jpg", root: a.id, run: run, result: SQLFixture.result(top: 5))
        try f.store("2.jpg", root: a.id, run: run, result: SQLFixture.result(top: 5))
        try f.store("3.jpg", root: a.id, run: run, result: ImageResult(top: [(index: 6, probability: 0.5)], features: [1, 2, 3, 4]))
        try f.index.writeTransaction { () throws(StoreError) in
            try f.index.files.storeFailure(f.file("4.jpg", root: a.id), replacing: nil, fingerprint: nil, reason: "broken", runID: run)
        }
        try f.index.database.run("UPDATE image SET format = 'png' WHERE relative_path = ?", [.blob(Array("2.jpg".utf8))])
        #expect(try f.index.roots.statuses().map { [$0.ok, $0.failed, $0.missing] } == [[3, 1, 0]])
        #expect(try f.index.roots.formats().map { "\($0.format) \($0.images)" } == ["unknown 2", "png 1"])
        #expect(try f.index.search.featureCount(modelID: f.modelID) == 3)
        #expect(try f.index.search.imagesWithoutDescriptor(modelID: f.modelID, kind: .rmac) == 1)
        #expect(try f.index.results.topClasses(modelID: f.modelID, limit: 10).map { "\($0.index) \($0.count)" } == ["5 2", "6 1"])
        #expect(try f.index.models.all().map(\.imageCount) == [3])
        // A count the rows no longer back (the tallies are what the readers read).
        try f.index.database.run("UPDATE vector_tally SET vectors = vectors + 5 WHERE kind = 'feature'", [])
        #expect(try f.index.search.featureCount(modelID: f.modelID) == 8)
    }
}
