import Foundation
import Testing
import VGGStore
import _VGGTestSupport

/// One file, one row: nested roots, `vggbatch roots`, and folders that are not there.
@Suite("vggbatch roots", .serialized)
struct RootsCLITests {
    let directory = TemporaryDirectory()
    var library: String { directory.path("lib") }
    var misc: String { directory.path("lib/misc") }
    var database: String { directory.path("index.sqlite") }
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": directory.path("tiny.safetensors"), "VGGBATCH_DB": database]
    }

    /// Three photos at the top of the library, three in lib/misc.
    static let top = ["pillow-hopper.jpg", "ljt-testorig.jpg", "skimage-coins.png"]
    static let inner = ["libpng-toucan.png", "sklearn-china.jpg", "skimage-chelsea.png"]

    init() throws {
        try FileManager.default.createDirectory(atPath: directory.path("lib/misc"), withIntermediateDirectories: true)
        for name in Self.top { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path("lib/" + name)) }
        for name in Self.inner { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path("lib/misc/" + name)) }
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", directory.path("tiny.safetensors")])
        precondition(result.status == 0, result.standardError)
    }

    func vggbatch(_ arguments: [String], extra: [String: String] = [:]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment.merging(extra) { $1 })
    }

    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// The scan summary (the last line of `scan --json`).
    func summary(_ result: CommandResult) throws -> [String: Any] {
        let last = try #require(result.standardOutput.split(separator: "\n").last)
        return try #require(try json(String(last)) as? [String: Any])
    }

    func exportedPaths() throws -> [String] {
        let result = try vggbatch(["export", "--format", "jsonl"])
        #expect(result.status == 0, "\(result.standardError)")
        return try result.standardOutput.split(separator: "\n").map { line in
            try #require((try json(String(line)) as? [String: Any])?["path"] as? String)
        }
    }

    /// What a user sees when every file has one row: six paths, none twice, no file its own
    /// duplicate, and a search that does not return its query.
    func expectOneRowPerFile() throws {
        let paths = try exportedPaths()
        #expect(paths.count == 6 && Set(paths).count == 6, "\(paths)")
        let status = try #require(try json(try vggbatch(["status", "--json"]).standardOutput) as? [String: Any])
        #expect(status["ok"] as? Int == 6)
        #expect((status["roots"] as? [[String: Any]])?.map { $0["path"] as? String } == [library])
        let query = misc + "/" + Self.inner[0]
        let similar = try vggbatch(["similar", "--json", query])
        let results = try #require((try json(similar.standardOutput) as? [String: Any])?["results"] as? [[String: Any]])
        let found = results.compactMap { $0["path"] as? String }
        #expect(found.count == 5 && Set(found).count == 5 && !found.contains(query), "\(found)")
        let duplicates = try #require(try json(try vggbatch(["duplicates", "--json", "--pairs", "--threshold", "1"]).standardOutput) as? [String: Any])
        #expect((duplicates["exact"] as? [Any])?.isEmpty == true, "\(duplicates)")
        for pair in duplicates["pairs"] as? [[String: Any]] ?? [] {
            #expect(pair["a"] as? String != pair["b"] as? String, "a file paired with itself: \(pair)")
        }
    }

    @Test func aFolderInsideARootIsPartOfThatRoot() throws {
        #expect(try vggbatch(["scan", library]).status == 0)
        let inner = try vggbatch(["scan", "--json", misc])
        #expect(inner.status == 0, "\(inner.standardError)")
        let counts = try summary(inner)
        #expect(counts["unchanged"] as? Int == 3 && counts["new"] as? Int == 0 && counts["computed"] as? Int == 0)
        try expectOneRowPerFile()
        // A file deleted inside the folder is missing after its scan; files outside it are not touched.
        try FileManager.default.removeItem(atPath: misc + "/" + Self.inner[1])
        let after = try vggbatch(["scan", "--json", misc])
        #expect(try summary(after)["missing"] as? Int == 1)
        let status = try #require(try json(try vggbatch(["status", "--json"]).standardOutput) as? [String: Any])
        #expect(status["ok"] as? Int == 5 && status["missing"] as? Int == 1)
    }

    @Test func aNewRootTakesOverTheRootsInsideIt() throws {
        #expect(try vggbatch(["scan", misc]).status == 0)
        let before = try vggbatch(["show", "--json", misc + "/" + Self.inner[0]]).standardOutput
        let outer = try vggbatch(["scan", "--json", library])
        #expect(outer.status == 0, "\(outer.standardError)")
        let counts = try summary(outer)
        // Only the three files outside misc go through the network; misc's rows are kept.
        #expect(counts["new"] as? Int == 3 && counts["computed"] as? Int == 3 && counts["unchanged"] as? Int == 3)
        #expect(outer.standardError.contains("\(misc) is inside \(library): its 3 files are now indexed under it"), "\(outer.standardError)")
        let after = try vggbatch(["show", "--json", misc + "/" + Self.inner[0]]).standardOutput
        #expect(try (json(after) as? [String: Any])?["models"] as? NSArray == (json(before) as? [String: Any])?["models"] as? NSArray)
        try expectOneRowPerFile()
    }

    /// An index written before roots were kept apart has misc as a second root, its files in
    /// two rows each, and (from `scan --weights B lib/misc`) model B's results on the inner rows
    /// only. The next scan folds misc into lib: one row per file, both models' results kept,
    /// nothing computed.
    @Test func doubledRowsOfAnOlderIndexAreRepairedWithNothingLost() throws {
        #expect(try vggbatch(["scan", library]).status == 0)
        let connection = try SQLiteConnection(path: database, readOnly: false, create: false)
        try connection.execute("""
            INSERT INTO root (id, path, added_at) VALUES (2, CAST('\(misc)' AS BLOB), 'then');
            INSERT INTO model (id, weights_sha256, name, architecture, preprocessing, resize_policy, feature_dim, created_at)
                SELECT 2, 'b' || weights_sha256, NULL, architecture, preprocessing, resize_policy, feature_dim, created_at FROM model WHERE id = 1;
            INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status,
                failure_reason, first_seen, last_seen, last_seen_run)
                SELECT 2, CAST(substr(CAST(relative_path AS TEXT), 6) AS BLOB), size, mtime_ns, inode, device, fingerprint, width, height, status,
                    failure_reason, first_seen, last_seen, last_seen_run
                FROM image WHERE root_id = 1 AND CAST(relative_path AS TEXT) LIKE 'misc/%';
            INSERT INTO prediction SELECT i.id, 2, p.rank, p.class_index, p.probability FROM image i
                JOIN image o ON o.root_id = 1 AND o.relative_path = CAST('misc/' || i.relative_path AS BLOB)
                JOIN prediction p ON p.image_id = o.id WHERE i.root_id = 2;
            INSERT INTO feature (image_id, model_id, dim, vector) SELECT i.id, 2, f.dim, f.vector FROM image i
                JOIN image o ON o.root_id = 1 AND o.relative_path = CAST('misc/' || i.relative_path AS BLOB)
                JOIN feature f ON f.image_id = o.id WHERE i.root_id = 2;
            """)
        connection.close()
        #expect(try exportedPaths().count == 6, "model 1 is the default: its rows")
        #expect(try vggbatch(["export", "--model", "2"]).standardOutput.split(separator: "\n").count == 3)

        let repaired = try vggbatch(["scan", "--json"])
        #expect(repaired.status == 0, "\(repaired.standardError)")
        #expect(repaired.standardError.contains("\(misc) is inside \(library) (an index from an older vggbatch): 3 files that had two entries now have one"), "\(repaired.standardError)")
        #expect(try summary(repaired)["computed"] as? Int == 0)
        try expectOneRowPerFile()
        let shown = try #require(try json(try vggbatch(["show", "--json", misc + "/" + Self.inner[0]]).standardOutput) as? [String: Any])
        #expect((shown["models"] as? [[String: Any]])?.map { $0["model"] as? Int } == [1, 2], "model B's results kept: \(shown)")
        #expect(try vggbatch(["export", "--model", "2"]).standardOutput.split(separator: "\n").count == 3)
    }

    @Test func rootsListsAndForgets() throws {
        #expect(try vggbatch(["scan", library]).status == 0)
        let listed = try vggbatch(["roots"])
        #expect(listed.status == 0 && listed.standardOutput == "\(library): 6 ok, 0 failed, 0 missing\n", "\(listed.standardOutput)")

        let inside = try vggbatch(["roots", "remove", misc])
        #expect(inside.status == 2 && inside.standardError.contains("is not a root; it is inside the root \(library)"))
        // Not on a terminal and no --yes: it says how many, and removes nothing.
        let asked = try vggbatch(["roots", "remove", library])
        #expect(asked.status == 2 && asked.standardError.contains("\(library): 6 entries (6 ok, 0 failed, 0 missing) would be forgotten; run again with --yes"))
        #expect(try exportedPaths().count == 6)
        let removed = try vggbatch(["roots", "remove", "--yes", library])
        #expect(removed.status == 0 && removed.standardOutput == "forgot \(library): 6 entries removed\n", "\(removed.standardError)")
        #expect(try vggbatch(["roots"]).standardOutput.isEmpty)
        let connection = try SQLiteConnection(path: database, readOnly: true, create: false)
        #expect(try connection.query("SELECT (SELECT COUNT(*) FROM image) + (SELECT COUNT(*) FROM feature) + (SELECT COUNT(*) FROM prediction)") == [[.integer(0)]])
    }

    @Test func foldersThatAreNotThereAreOneLineAndWriteNothing() throws {
        let missing = try vggbatch(["scan", directory.path("no-such-folder")])
        #expect(missing.status == 2 && missing.standardError == "vggbatch: error: \(directory.path("no-such-folder")): no such folder\n")
        let file = try vggbatch(["scan", library + "/" + Self.top[0]])
        #expect(file.status == 2 && file.standardError.hasPrefix("vggbatch: error: \(library)/\(Self.top[0]): not a folder"))
        #expect(file.standardError.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: database), "no index created")

        try FileManager.default.createDirectory(atPath: directory.path("empty"), withIntermediateDirectories: true)
        let empty = try vggbatch(["scan", directory.path("empty")])
        #expect(empty.status == 0 && empty.standardError.contains("\(directory.path("empty")): no photos found"))
    }
}
