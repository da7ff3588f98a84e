import VGGCommon
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import VGGSearch
import _VGGTestSupport

/// Roots never nest, and a scope inside a root covers exactly its folder.
@Suite("Root scopes")
struct RootScopeTests {
    let directory = TemporaryDirectory()
    let database: IndexDatabase
    let modelID: Int64
    let stat = FileStat(size: 10, mtimeNanoseconds: 20, inode: 30, device: 40)

    init() throws {
        let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
        self.database = database
        modelID = try database.modelID(
            weightsSHA256: String(repeating: "a", count: 64), name: nil, architecture: "vgg16", preprocessing: "torch",
            resizePolicy: "squash", featureDimension: 4)
    }

    func scope(_ path: String) throws -> (scope: RootScope, folded: [FoldedRoot]) {
        try database.writeTransaction { () throws(StoreError) in try database.scope(for: Array(path.utf8)) }
    }

    func store(_ relative: String, root: Int64, run: Int64) throws {
        try database.writeTransaction { () throws(StoreError) in
            _ = try database.storeIndexed(
                existingID: nil, rootID: root, relativePath: Array(relative.utf8), stat: stat, fingerprint: Array(relative.utf8),
                width: 4, height: 3, runID: run, modelID: modelID, top: [(index: 7, probability: 0.5)], features: [1, 2, 3, 4])
        }
    }

    func relativePaths() throws -> [String] {
        try database.connection.query("SELECT CAST(root.path || X'2F' || relative_path AS TEXT) FROM image JOIN root ON root.id = image.root_id ORDER BY 1")
            .compactMap { if case .text(let text) = $0[0] { return text } else { return nil } }
    }

    @Test func aFolderInsideARootIsAScopeOfIt() throws {
        let root = try scope("/photos").scope
        #expect(root.subpath.isEmpty)
        let inner = try scope("/photos/2024/summer")
        #expect(inner.scope.root == root.root && inner.scope.subpath == Array("2024/summer".utf8) && inner.folded.isEmpty)
        // A sibling whose name starts the same is another folder: "/photos2" is a new root.
        #expect(try scope("/photos2").scope.root != root.root)
        #expect(try database.roots().count == 2)
    }

    /// Missing files are marked within the scanned folder only, never in a sibling whose name
    /// extends it ("misc-old", "misc.d", "misc0").
    @Test func missingFilesAreMarkedInsideTheScopeOnly() throws {
        let root = try scope("/photos").scope.root
        let first = try database.beginRun(options: "", modelID: modelID)
        for name in ["misc/a.jpg", "misc/deep/b.jpg", "misc-old/c.jpg", "misc.d/d.jpg", "misc0/e.jpg", "misc.jpg", "f.jpg"] {
            try store(name, root: root.id, run: first)
        }
        let second = try database.beginRun(options: "", modelID: modelID)
        let misc = try scope("/photos/misc").scope
        #expect(try database.vanished(in: misc, runID: second) == (vanished: 2, known: 2))
        let marked = try database.writeTransaction { () throws(StoreError) in try database.markMissing(in: misc, runID: second) }
        #expect(marked == 2)
        let missing = try database.connection.query("SELECT CAST(relative_path AS TEXT) FROM image WHERE status = 'missing' ORDER BY 1")
        #expect(missing == [[.text("misc/a.jpg")], [.text("misc/deep/b.jpg")]])
    }

    /// A new root that contains known roots takes their rows over; the same file reached
    /// through both keeps one row, the most recently seen, with every model's results.
    @Test func foldingKeepsOneRowAndEveryResult() throws {
        let inner = try scope("/photos/misc").scope.root
        let run = try database.beginRun(options: "", modelID: modelID)
        try store("a.jpg", root: inner.id, run: run)
        let outer = try scope("/photos")
        #expect(outer.folded == [FoldedRoot(inner: Array("/photos/misc".utf8), outer: Array("/photos".utf8), moved: 1, merged: 0)])
        #expect(try relativePaths() == ["/photos/misc/a.jpg"])
        #expect(try database.roots().map(\.path) == [Array("/photos".utf8)])

        // An older index: the inner root again, the same file in both, model 2 only inside.
        try database.connection.execute("""
            INSERT INTO root (id, path, added_at) VALUES (9, CAST('/photos/misc' AS BLOB), 'then');
            INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at)
                VALUES (2, 'b', 'vgg16', 'torch', 'squash', 4, 'then');
            """)
        let other = try database.modelID(
            weightsSHA256: "b", name: nil, architecture: "vgg16", preprocessing: "torch", resizePolicy: "squash", featureDimension: 4)
        try database.writeTransaction { () throws(StoreError) in
            _ = try database.storeIndexed(
                existingID: nil, rootID: 9, relativePath: Array("a.jpg".utf8), stat: stat, fingerprint: Array("a.jpg".utf8),
                width: 4, height: 3, runID: run, modelID: other, top: [(index: 9, probability: 0.25)], features: [4, 3, 2, 1])
        }
        let repaired = try database.writeTransaction { () throws(StoreError) in try database.foldNestedRoots() }
        #expect(repaired.map(\.merged) == [1])
        #expect(try relativePaths() == ["/photos/misc/a.jpg"])
        let kept = try #require(try database.connection.query("SELECT id FROM image").first?.first)
        guard case .integer(let id) = kept else { return }
        #expect(try database.features(imageID: id, modelID: modelID) == [1, 2, 3, 4])
        #expect(try database.features(imageID: id, modelID: other) == [4, 3, 2, 1])
    }
}
