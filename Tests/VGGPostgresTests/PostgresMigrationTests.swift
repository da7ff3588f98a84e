import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import VGGSQL
@testable import VGGPostgres
import _VGGTestSupport

/// The PostgreSQL schema: the files and the binary agree, landed migrations never change,
/// and migrating is safe to repeat and to race.
@Suite("PostgreSQL migrations")
struct PostgresMigrationTests {
    /// Every PostgreSQL migration that has landed, with the SHA-256 of its file. Add a line
    /// when a new one lands; never change a line.
    static let landed: [(identifier: String, sha256: String)] = [
        ("0001_create_index", "61f11702a5f50f2233657f5a22f488193e4766a8e7f38412ef736fa09be36dec"),
        ("0002_add_queue_indexes", "9da50df5f1bda4c04c85e43c130af72532ac7793a399d35949ba10ccaeeaaf3e"),
        ("0003_add_descriptor", "9776a451c6cc3c36db29ae535b37f1f3f58860bd3019c941a49f6451a328a5a8"),
        ("0004_add_model_provenance", "651dc9097ea072b51a14381d0d3c4be0cb62c5ee555c14ac18edb6355f2bbc51"),
        ("0005_add_image_format_and_model_color", "8ccf1f344bf72ece176f6d246d00bca42478ea165b1e1db5e2a087da154894c0"),
        ("0006_add_worker_takeovers", "5d45e14f68421555aec3efd375402b90f7fa2fb73328d8b4c8b9cbc3d57c2543"),
        ("0007_add_vector_revision", "9ee2ed6c377ea5ede3a955c139964ec1b5204f79ffc22694e3c83d08f5552855"),
        ("0008_add_tallies", "da03f8b2ae671e6ce7ea79a0db903165153c8e89750b44b6ff6687b81ad4a7b7"),
        ("0009_add_run_held_back", "2a68f97e5b6c603f424c973f47c88abe72c8f7188cf8dd656c9574a54c0d0802"),
    ]

    @Test func embeddedMigrationsMatchTheFilesAndNeverChange() throws {
        let folder = FixturePaths.repositoryRoot.appendingPathComponent("Migrations/postgresql")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(PostgresMigrator.embedded.map(\.identifier) == names.map { String($0.dropLast(4)) },
                "run `python3 scripts/embed_migrations.py` from the repository root")
        for (migration, name) in zip(PostgresMigrator.embedded, names) {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(migration.sql == text && SHA256.hex(Array(text.utf8)) == migration.sha256, "\(name) differs from the binary's copy")
        }
        #expect(PostgresMigrator.embedded.map(\.identifier) == Self.landed.map(\.identifier), "a new migration: add it to `landed`")
        for (migration, landed) in zip(PostgresMigrator.embedded, Self.landed) {
            #expect(migration.sha256 == landed.sha256, "\(landed.identifier) changed after it landed; add a new migration instead")
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "set VGGBATCH_TEST_POSTGRES to run the PostgreSQL tests"))
    func migratingIsSafeToRepeatAndToRace() async throws {
        let database = try TestPostgres.freshDatabase()
        let url = database.url
        // Four workers starting at once: one migrates, the others find it done.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try PostgresIndex(url: url, migrate: true) }
            }
            try await group.waitForAll()
        }
        let connection = try PostgresConnection(url: url)
        #expect(try PostgresMigrator.appliedMigrations(connection) == PostgresMigrator.embedded.map(\.identifier))
        try PostgresMigrator.migrate(connection)
        #expect(try connection.query("SELECT COUNT(*) FROM schema_migration", []) == [[.integer(Int64(PostgresMigrator.embedded.count))]])
    }

    /// An index from before the tallies gets them filled from its rows (in shard 0).
    @Test(.enabled(if: TestPostgres.isAvailable, "set VGGBATCH_TEST_POSTGRES to run the PostgreSQL tests"))
    func talliesStartFromWhatTheIndexHolds() throws {
        let database = try TestPostgres.freshDatabase()
        let connection = try PostgresConnection(url: database.url)
        let before = Array(PostgresMigrator.embedded.prefix { $0.identifier != "0008_add_tallies" })
        try PostgresMigrator.migrate(connection, migrations: before)
        try connection.run("INSERT INTO root (id, path, added_at) VALUES (1, '\\x2f70', 't')", [])
        try connection.run(
            "INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at) "
                + "VALUES (1, 'abc', 'vgg16', 'torch', 'squash', 4, 't')", [])
        for (id, status, format) in [(1, "ok", "'jpeg'"), (2, "ok", "NULL"), (3, "failed", "NULL")] {
            try connection.run(
                "INSERT INTO image (id, root_id, relative_path, size, mtime_ns, inode, device, status, first_seen, last_seen, format) "
                    + "VALUES (\(id), 1, '\\x6\(id)', 1, 1, 1, 1, '\(status)', 't', 't', \(format))", [])
        }
        for id in [1, 2] {
            try connection.run("INSERT INTO feature (image_id, model_id, dim, vector) VALUES (\(id), 1, 1, '\\x0000803f')", [])
            try connection.run("INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (\(id), 1, 1, 7, 0.5)", [])
        }
        try connection.run("INSERT INTO descriptor (image_id, model_id, kind, dim, vector) VALUES (1, 1, 'rmac', 1, '\\x0000803f')", [])
        try PostgresMigrator.migrate(connection)
        #expect(try connection.query("SELECT root_id, status, format, images FROM image_tally ORDER BY 2, 3", []) == [
            [.integer(1), .text("failed"), .text(""), .integer(1)], [.integer(1), .text("ok"), .text(""), .integer(1)],
            [.integer(1), .text("ok"), .text("jpeg"), .integer(1)],
        ])
        #expect(try connection.query("SELECT kind, vectors FROM vector_tally ORDER BY 1", []) == [[.text("feature"), .integer(2)], [.text("rmac"), .integer(1)]])
        #expect(try connection.query("SELECT class_index, images FROM label_tally", []) == [[.integer(7), .integer(2)]])
        // Written after: counted by the triggers, in this session's shard.
        try connection.run("DELETE FROM image WHERE id = 2", [])
        #expect(try connection.query("SELECT CAST(SUM(vectors) AS BIGINT) FROM vector_tally WHERE kind = 'feature'", []) == [[.integer(1)]])
        #expect(try connection.query("SELECT CAST(SUM(images) AS BIGINT) FROM image_tally WHERE status = 'ok'", []) == [[.integer(1)]])
    }
}
