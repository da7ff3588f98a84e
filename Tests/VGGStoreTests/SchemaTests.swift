import VGGSQL
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import _VGGTestSupport

/// The fully migrated schema: its snapshot, its CHECK constraints and its cascades.
@Suite("Schema")
struct SchemaTests {
    let directory = TemporaryDirectory()
    var path: String { directory.path("db.sqlite") }

    static let snapshot = FixturePaths.repositoryRoot.appendingPathComponent("Tests/VGGStoreTests/Snapshots/schema.sql")

    private func migrated() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, readOnly: false, create: true)
        try Migrator.migrate(connection, path: path)
        return connection
    }

    /// The schema as text: a header, then each object's SQL as SQLite stored it.
    static func render(_ connection: SQLiteConnection) throws -> String {
        let rows = try connection.query(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        var text = """
            -- The schema of a fully migrated vggbatch index, one entry per row of
            -- SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name
            -- Checked by SchemaTests.schemaMatchesTheSnapshot. After adding a migration, regenerate it with
            -- VGGBATCH_UPDATE_SNAPSHOTS=1 swift test --filter SchemaTests and review the diff.

            """
        for row in rows {
            let fields = row.map { value -> String in
                if case .text(let text) = value { return text }
                return "NULL"
            }
            text += "\n-- \(fields[0]) \(fields[1]) on \(fields[2])\n\(fields[3]);\n"
        }
        return text
    }

    @Test func schemaMatchesTheSnapshot() throws {
        let rendered = try Self.render(try migrated())
        if ProcessInfo.processInfo.environment["VGGBATCH_UPDATE_SNAPSHOTS"] == "1" {
            try rendered.write(to: Self.snapshot, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.snapshot, encoding: .utf8)
        #expect(
            rendered == expected,
            "the migrated schema differs from Tests/VGGStoreTests/Snapshots/schema.sql; if the change is intended, regenerate it with VGGBATCH_UPDATE_SNAPSHOTS=1 swift test --filter SchemaTests")
    }

    // MARK: - Constraints

    /// One root, one model and one image (id 1 each) to hang rows on.
    private func seeded() throws -> SQLiteConnection {
        let connection = try migrated()
        try connection.execute("""
            INSERT INTO root (id, path, added_at) VALUES (1, X'2F70686F746F73', '2024-01-01T00:00:00Z');
            INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at)
                VALUES (1, 'abc', 'vgg16', 'caffe', 'shorter-side', 4, '2024-01-01T00:00:00Z');
            INSERT INTO image (id, root_id, relative_path, size, mtime_ns, inode, device, status, first_seen, last_seen)
                VALUES (1, 1, X'612E6A7067', 10, 0, 1, 1, 'ok', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');
            """)
        return connection
    }

    /// Inserts SQLite must refuse with SQLITE_CONSTRAINT_CHECK (275), each next to its valid twin.
    @Test(arguments: [
        ("feature vector of 3 bytes for dim 1",
         "INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 1, X'000000')",
         "INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 1, X'00000000')"),
        ("feature vector of 4 bytes for dim 2",
         "INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 2, X'00000000')",
         "INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 2, X'0000000000000000')"),
        ("feature of dim 0",
         "INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 0, X'')",
         "INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 1, X'0000803F')"),
        ("image status 'deleted'",
         "UPDATE image SET status = 'deleted' WHERE id = 1",
         "UPDATE image SET status = 'missing' WHERE id = 1"),
        ("image status 'OK' (case matters)",
         "UPDATE image SET status = 'OK' WHERE id = 1",
         "UPDATE image SET status = 'failed' WHERE id = 1"),
        ("scan_run status 'done'",
         "INSERT INTO scan_run (started_at, options, status) VALUES ('t', '{}', 'done')",
         "INSERT INTO scan_run (started_at, options, status) VALUES ('t', '{}', 'interrupted')"),
        ("prediction rank 6",
         "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (1, 1, 6, 0, 0.5)",
         "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (1, 1, 5, 0, 0.5)"),
        ("prediction class -1",
         "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (1, 1, 1, -1, 0.5)",
         "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (1, 1, 1, 999, 0.5)"),
    ])
    func checkConstraintsRefuseBadRows(_ what: String, _ bad: String, _ good: String) throws {
        let connection = try seeded()
        let error = #expect(throws: StoreError.self, "\(what) was accepted") { try connection.execute(bad) }
        guard case .sqlite(let code, let message, let sql)? = error else {
            Issue.record("\(what): expected .sqlite, got \(String(describing: error))")
            return
        }
        #expect(code == 275, "\(what): \(message)")
        #expect(message.hasPrefix("CHECK constraint failed"))
        #expect(sql == bad)
        try connection.execute(good)
        #expect(connection.changes == 1)
    }

    @Test func foreignKeysAreEnforced() throws {
        let connection = try seeded()
        let error = #expect(throws: StoreError.self) {
            try connection.execute(
                "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (99, 1, 1, 0, 0.5)")
        }
        #expect(error == .sqlite(
            code: 787, message: "FOREIGN KEY constraint failed",
            sql: "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (99, 1, 1, 0, 0.5)"))
        // A model still in use cannot be deleted out from under its results.
        try connection.execute("INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 1, X'00000000')")
        #expect(throws: StoreError.self) { try connection.execute("DELETE FROM model WHERE id = 1") }
    }

    @Test func deletingAnImageDeletesItsPredictionsAndFeatures() throws {
        let connection = try seeded()
        try connection.execute("""
            INSERT INTO image (id, root_id, relative_path, size, mtime_ns, inode, device, status, first_seen, last_seen)
                VALUES (2, 1, X'622E6A7067', 10, 0, 2, 1, 'ok', 't', 't');
            INSERT INTO prediction (image_id, model_id, rank, class_index, probability)
                VALUES (1, 1, 1, 281, 0.9), (1, 1, 2, 282, 0.05), (2, 1, 1, 7, 0.8);
            INSERT INTO feature (image_id, model_id, dim, vector)
                VALUES (1, 1, 4, zeroblob(16)), (2, 1, 4, zeroblob(16));
            """)
        try connection.execute("DELETE FROM image WHERE id = 1")
        #expect(try integer(connection, "SELECT count(*) FROM prediction WHERE image_id = 1") == 0)
        #expect(try integer(connection, "SELECT count(*) FROM feature WHERE image_id = 1") == 0)
        // The other image's rows stay.
        #expect(try integer(connection, "SELECT count(*) FROM prediction") == 1)
        #expect(try integer(connection, "SELECT count(*) FROM feature") == 1)
    }

    @Test func pathsAreBytesAndUniquePerRoot() throws {
        let connection = try seeded()
        // Not UTF-8 (Latin-1 "é"): kept as bytes.
        let name: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x6A, 0x70, 0x67]
        let insert = "INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, status, first_seen, last_seen) "
            + "VALUES (1, ?, 1, 0, 9, 1, 'ok', 't', 't')"
        _ = try connection.query(insert, [.blob(name)])
        #expect(try connection.query("SELECT relative_path FROM image WHERE inode = 9") == [[.blob(name)]])
        let error = #expect(throws: StoreError.self) { _ = try connection.query(insert, [.blob(name)]) }
        #expect(error == .sqlite(
            code: 2067, message: "UNIQUE constraint failed: image.root_id, image.relative_path", sql: insert))
    }
}
