import VGGCommon
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import VGGPipeline
import VGGSearch
import _VGGTestSupport

/// Roots never nest, and a scope inside a root covers exactly its folder; on every backend.
@Suite("Root scopes")
struct RootScopeTests {
    /// A fresh index on one backend.
    struct Fixture {
        let location: TestLocation
        let database: SQLIndex
        let modelID: Int64
        let stat = FileStat(size: 10, mtimeNanoseconds: 20, inode: 30, device: 40)

        init(_ backend: TestBackend) throws {
            location = try backend.freshLocation()
            let database = try location.openWriter()
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
                    width: 4, height: 3, runID: run, modelID: modelID, output: ImageResult(top: [(index: 7, probability: 0.5)], features: [1, 2, 3, 4], gem: [0.6, 0.8], rmac: [0.8, 0.6]))
            }
        }

        func relativePaths() throws -> [String] {
            let path = database.database.dialect.absolutePath(root: "root.path", relative: "relative_path")
            return try database.database.query("SELECT \(path) FROM image JOIN root ON root.id = image.root_id ORDER BY 1", [])
                .compactMap { $0[0].blob.map { String(decoding: $0, as: UTF8.self) } }
        }
    }

    @Test(arguments: TestBackend.available)
    func aFolderInsideARootIsAScopeOfIt(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let root = try f.scope("/photos").scope
        #expect(root.subpath.isEmpty)
        let inner = try f.scope("/photos/2024/summer")
        #expect(inner.scope.root == root.root && inner.scope.subpath == Array("2024/summer".utf8) && inner.folded.isEmpty)
        // A sibling whose name starts the same is another folder: "/photos2" is a new root.
        #expect(try f.scope("/photos2").scope.root != root.root)
        #expect(try f.database.roots().count == 2)
    }

    /// Missing files are marked within the scanned folder only, never in a sibling whose name
    /// extends it ("misc-old", "misc.d", "misc0").
    @Test(arguments: TestBackend.available)
    func missingFilesAreMarkedInsideTheScopeOnly(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let root = try f.scope("/photos").scope.root
        let first = try f.database.beginRun(options: "", modelID: f.modelID)
        for name in ["misc/a.jpg", "misc/deep/b.jpg", "misc-old/c.jpg", "misc.d/d.jpg", "misc0/e.jpg", "misc.jpg", "f.jpg"] {
            try f.store(name, root: root.id, run: first)
        }
        let second = try f.database.beginRun(options: "", modelID: f.modelID)
        let misc = try f.scope("/photos/misc").scope
        #expect(try f.database.vanished(in: misc, runID: second) == (vanished: 2, known: 2))
        let marked = try f.database.writeTransaction { () throws(StoreError) in try f.database.markMissing(in: misc, runID: second) }
        #expect(marked == 2)
        let missing = try f.database.database.query("SELECT relative_path FROM image WHERE status = 'missing' ORDER BY 1", [])
        #expect(missing == [[.blob(Array("misc/a.jpg".utf8))], [.blob(Array("misc/deep/b.jpg".utf8))]])
    }

    /// A new root that contains known roots takes their rows over; the same file reached
    /// through both keeps one row, the most recently seen, with every model's results.
    @Test(arguments: TestBackend.available)
    func foldingKeepsOneRowAndEveryResult(backend: TestBackend) throws {
        let f = try Fixture(backend)
        let inner = try f.scope("/photos/misc").scope.root
        let run = try f.database.beginRun(options: "", modelID: f.modelID)
        try f.store("a.jpg", root: inner.id, run: run)
        let outer = try f.scope("/photos")
        #expect(outer.folded == [FoldedRoot(inner: Array("/photos/misc".utf8), outer: Array("/photos".utf8), moved: 1, merged: 0)])
        #expect(try f.relativePaths() == ["/photos/misc/a.jpg"])
        #expect(try f.database.roots().map(\.path) == [Array("/photos".utf8)])

        // An older index: the inner root again, the same file in both, model 2 only inside.
        try f.database.database.run("INSERT INTO root (id, path, added_at) VALUES (9, ?, 'then')", [.blob(Array("/photos/misc".utf8))])
        try f.database.database.run(
            "INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at) VALUES (2, 'b', 'vgg16', 'torch', 'squash', 4, 'then')",
            [])
        let other = try f.database.modelID(
            weightsSHA256: "b", name: nil, architecture: "vgg16", preprocessing: "torch", resizePolicy: "squash", featureDimension: 4)
        try f.database.writeTransaction { () throws(StoreError) in
            _ = try f.database.storeIndexed(
                existingID: nil, rootID: 9, relativePath: Array("a.jpg".utf8), stat: f.stat, fingerprint: Array("a.jpg".utf8),
                width: 4, height: 3, runID: run, modelID: other, output: ImageResult(top: [(index: 9, probability: 0.25)], features: [4, 3, 2, 1], gem: [1, 0], rmac: [0, 1]))
        }
        let repaired = try f.database.writeTransaction { () throws(StoreError) in try f.database.foldNestedRoots() }
        #expect(repaired.map(\.merged) == [1])
        #expect(try f.relativePaths() == ["/photos/misc/a.jpg"])
        let kept = try #require(try f.database.database.query("SELECT id FROM image", []).first?.first)
        guard case .integer(let id) = kept else { return }
        #expect(try f.database.features(imageID: id, modelID: f.modelID) == [1, 2, 3, 4])
        #expect(try f.database.features(imageID: id, modelID: other) == [4, 3, 2, 1])
    }
}
