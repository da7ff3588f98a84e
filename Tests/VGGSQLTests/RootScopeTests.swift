import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import VGGSQL
import _VGGTestSupport

/// Roots never nest, and a scope inside a root covers exactly its folder; on every backend.
@Suite("Root scopes")
struct RootScopeTests {
    func relativePaths(_ f: SQLFixture) throws -> [String] {
        let path = f.index.database.dialect.absolutePath(root: "root.path", relative: "relative_path")
        return try f.index.database.query("SELECT \(path) FROM image JOIN root ON root.id = image.root_id ORDER BY 1", [])
            .compactMap { $0[0].blob.map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test(arguments: TestBackend.available)
    func aFolderInsideARootIsAScopeOfIt(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let root = try f.scope("/photos").scope
        #expect(root.subpath.isEmpty)
        let inner = try f.scope("/photos/2024/summer")
        #expect(inner.scope.root == root.root && inner.scope.subpath == Array("2024/summer".utf8) && inner.folded.isEmpty)
        // A sibling whose name starts the same is another folder: "/photos2" is a new root.
        #expect(try f.scope("/photos2").scope.root != root.root)
        #expect(try f.index.roots.all().count == 2)
    }

    /// Missing files are marked within the scanned folder only, never in a sibling whose name
    /// extends it ("misc-old", "misc.d", "misc0").
    @Test(arguments: TestBackend.available)
    func missingFilesAreMarkedInsideTheScopeOnly(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let root = try f.scope("/photos").scope.root
        let first = try f.index.runs.begin(options: "", modelID: f.modelID)
        for name in ["misc/a.jpg", "misc/deep/b.jpg", "misc-old/c.jpg", "misc.d/d.jpg", "misc0/e.jpg", "misc.jpg", "f.jpg"] {
            try f.store(name, root: root.id, run: first)
        }
        let second = try f.index.runs.begin(options: "", modelID: f.modelID)
        let misc = try f.scope("/photos/misc").scope
        #expect(try f.index.files.vanished(in: misc, runID: second, unwalked: []) == (vanished: 2, known: 2))
        // A place the walk could not enter is known, never vanished.
        #expect(try f.index.files.vanished(in: misc, runID: second, unwalked: [Array("misc/deep".utf8)]) == (vanished: 1, known: 2))
        let marked = try f.index.writeTransaction { () throws(StoreError) in try f.index.files.markMissing(in: misc, runID: second, unwalked: []) }
        #expect(marked == 2)
        let missing = try f.index.database.query("SELECT relative_path FROM image WHERE status = 'missing' ORDER BY 1", [])
        #expect(missing == [[.blob(Array("misc/a.jpg".utf8))], [.blob(Array("misc/deep/b.jpg".utf8))]])
        #expect(try f.index.roots.statuses().map(\.missing) == [2])
        #expect(try f.index.roots.pruneMissing() == 2)
        #expect(try f.count("image") == 5)
    }

    /// A new root that contains known roots takes their rows over; the same file reached
    /// through both keeps one row, the most recently seen, with every model's results.
    @Test(arguments: TestBackend.available)
    func foldingKeepsOneRowAndEveryResult(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let inner = try f.scope("/photos/misc").scope.root
        let run = try f.index.runs.begin(options: "", modelID: f.modelID)
        try f.store("a.jpg", root: inner.id, run: run)
        let outer = try f.scope("/photos")
        #expect(outer.folded == [FoldedRoot(inner: Array("/photos/misc".utf8), outer: Array("/photos".utf8), moved: 1, merged: 0)])
        #expect(try relativePaths(f) == ["/photos/misc/a.jpg"])
        #expect(try f.index.roots.all().map(\.path) == [Array("/photos".utf8)])

        // An older index: the inner root again, the same file in both, model 2 only inside.
        try f.index.database.run("INSERT INTO root (id, path, added_at) VALUES (9, ?, 'then')", [.blob(Array("/photos/misc".utf8))])
        try f.index.database.run(
            "INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at) VALUES (2, 'b', ?, 'torch', 'squash', 4, 'then')",
            [.text(VGGArchitecture.tiny.metadataValue)])
        let other = try f.index.models.register(SQLFixture.registration(sha: "b"))
        try f.store("a.jpg", root: 9, run: run, model: other, result: SQLFixture.result([4, 3, 2, 1], top: 9))
        let repaired = try f.index.roots.foldNested()
        #expect(repaired.map(\.merged) == [1])
        #expect(try relativePaths(f) == ["/photos/misc/a.jpg"])
        let id = try #require(try f.index.database.query("SELECT id FROM image", []).first?.first?.integer)
        #expect(try f.features(id) == [1, 2, 3, 4])
        #expect(try f.features(id, model: other) == [4, 3, 2, 1])
    }

    @Test(arguments: TestBackend.available)
    func removingARootForgetsItsRowsOnly(backend: TestBackend) throws {
        let f = try SQLFixture(backend)
        let a = try f.scope("/a").scope.root
        let b = try f.scope("/b").scope.root
        let run = try f.index.runs.begin(options: "", modelID: f.modelID)
        try f.store("1.jpg", root: a.id, run: run)
        try f.store("2.jpg", root: b.id, run: run)
        #expect(try f.index.roots.remove(a) == 1)
        #expect(try f.index.roots.all() == [b] && f.count("feature") == 1)
    }
}
