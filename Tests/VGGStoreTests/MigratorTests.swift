import VGGCommon
import VGGSQL
import Foundation
import Testing
@testable import VGGStore
import VGGIndexTypes
import _VGGTestSupport

/// Migrations applied to real database files: from empty, step by step, twice, failing,
/// and refused when a newer vggbatch wrote the database.
@Suite("Migrator")
struct MigratorTests {
    let directory = TemporaryDirectory()
    var path: String { directory.path("db.sqlite") }

    /// Tables after the first migration alone.
    static let indexTables: Set<String> = [
        "root", "image", "model", "prediction", "feature", "scan_run", "schema_migration",
    ]

    /// Tables after every migration.
    static let allTables = indexTables.union([
        "feature_basis", "feature_projection", "feature_code", "descriptor", "vector_revision", "approximate_check", "approximate_file",
        "image_tally", "vector_tally", "label_tally",
    ])

    /// The real first migration followed by a test-only second one.
    static let twoSteps = [
        Migrator.embedded[0],
        Migration(identifier: "0002_add_test", sql: "CREATE TABLE test_table (x INTEGER) STRICT;\n", sha256: ""),
    ]

    private func open() throws -> SQLiteConnection {
        try SQLiteConnection(path: path, readOnly: false, create: true)
    }

    /// An index made before pooled descriptors keeps its fc7 vectors as they were; its images
    /// have results but not descriptors, so the next scan computes them again to fill those.
    @Test func descriptorsArriveEmptyBesideTheKeptFeatures() throws {
        let connection = try open()
        try Migrator.migrate(connection, path: path, migrations: Array(Migrator.embedded.prefix(4)))
        let vector = FloatCodec.encode([0.5, 0.25, 0, 1])
        _ = try connection.query("INSERT INTO root (id, path, added_at) VALUES (1, X'2F70', 't')")
        _ = try connection.query(
            "INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at) "
                + "VALUES (1, 'abc', 'vgg16', 'torch', 'squash', 4, 't')")
        _ = try connection.query(
            "INSERT INTO image (id, root_id, relative_path, size, mtime_ns, inode, device, status, first_seen, last_seen) "
                + "VALUES (1, 1, X'61', 1, 1, 1, 1, 'ok', 't', 't')")
        _ = try connection.query("INSERT INTO feature (image_id, model_id, dim, vector) VALUES (1, 1, 4, ?)", [.blob(vector)])
        try Migrator.migrate(connection, path: path)
        #expect(try connection.query("SELECT vector FROM feature WHERE image_id = 1").first?.first == .blob(vector))
        #expect(try integer(connection, "SELECT COUNT(*) FROM descriptor") == 0)
        let row = try #require(try connection.query(
            "SELECT \(SQLFiles.imageColumns) FROM image JOIN root ON root.id = image.root_id WHERE image.id = 1", [.integer(1)]).first)
        let read = try SQLFiles.storedImage(row)
        let stored = try #require(read)
        #expect(stored.hasResults && !stored.hasDescriptors)
    }

    /// An index from before the tallies gets them filled from its rows.
    @Test func talliesStartFromWhatTheIndexHolds() throws {
        let connection = try open()
        try Migrator.migrate(connection, path: path, upTo: "0008_add_vector_revision")
        let vector = FloatCodec.encode([0.5, 0.25, 0, 1])
        _ = try connection.query("INSERT INTO root (id, path, added_at) VALUES (1, X'2F70', 't')")
        _ = try connection.query(
            "INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at) "
                + "VALUES (1, 'abc', 'vgg16', 'torch', 'squash', 4, 't')")
        for (id, status, format) in [(1, "ok", "'jpeg'"), (2, "ok", "NULL"), (3, "failed", "NULL")] {
            _ = try connection.query(
                "INSERT INTO image (id, root_id, relative_path, size, mtime_ns, inode, device, status, first_seen, last_seen, format) "
                    + "VALUES (\(id), 1, X'6\(id)', 1, 1, 1, 1, '\(status)', 't', 't', \(format))")
        }
        for id in [1, 2] {
            _ = try connection.query("INSERT INTO feature (image_id, model_id, dim, vector) VALUES (\(id), 1, 4, ?)", [.blob(vector)])
            _ = try connection.query("INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES (\(id), 1, 1, 7, 0.5)")
        }
        _ = try connection.query("INSERT INTO descriptor (image_id, model_id, kind, dim, vector) VALUES (1, 1, 'rmac', 4, ?)", [.blob(vector)])
        try Migrator.migrate(connection, path: path)
        #expect(try connection.query("SELECT root_id, status, format, images FROM image_tally ORDER BY 2, 3") == [
            [.integer(1), .text("failed"), .text(""), .integer(1)], [.integer(1), .text("ok"), .text(""), .integer(1)],
            [.integer(1), .text("ok"), .text("jpeg"), .integer(1)],
        ])
        #expect(try connection.query("SELECT kind, vectors FROM vector_tally ORDER BY 1") == [
            [.text("feature"), .integer(2)], [.text("rmac"), .integer(1)],
        ])
        #expect(try connection.query("SELECT class_index, images FROM label_tally") == [[.integer(7), .integer(2)]])
    }

    @Test func migratesAnEmptyDatabase() throws {
        let connection = try open()
        try Migrator.migrate(connection, path: path)
        #expect(try tableNames(connection) == Self.allTables)
        #expect(try Migrator.appliedMigrations(connection) == Migrator.embedded.map(\.identifier))
        // applied_at is UTC ISO 8601 with milliseconds.
        let appliedAt = try connection.query("SELECT applied_at FROM schema_migration").first?.first
        guard case .text(let text)? = appliedAt else {
            Issue.record("applied_at is \(String(describing: appliedAt))")
            return
        }
        #expect(text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        // Enforcement is off while migrating and back on afterwards.
        #expect(try integer(connection, "PRAGMA foreign_keys") == 1)
    }

    @Test func appliedMigrationsOfAnEmptyDatabaseIsEmpty() throws {
        let connection = try open()
        #expect(try Migrator.appliedMigrations(connection) == [])
        #expect(try tableNames(connection) == [])
    }

    @Test func migratingTwiceWritesNothing() throws {
        let connection = try open()
        try Migrator.migrate(connection, path: path)
        let before = try connection.query("SELECT identifier, applied_at FROM schema_migration")
        connection.recordsStatements = true
        try Migrator.migrate(connection, path: path)
        #expect(try connection.query("SELECT identifier, applied_at FROM schema_migration") == before)
        let writes = connection.executedStatements.filter { !$0.hasPrefix("SELECT") }
        #expect(writes == [], "a second migrate only reads")
    }

    @Test func migratesStepByStepWithUpTo() throws {
        let connection = try open()
        try Migrator.migrate(connection, path: path, upTo: "0001_create_index", migrations: Self.twoSteps)
        #expect(try Migrator.appliedMigrations(connection) == ["0001_create_index"])
        #expect(try tableNames(connection) == Self.indexTables)

        connection.recordsStatements = true
        try Migrator.migrate(connection, path: path, migrations: Self.twoSteps)
        #expect(try Migrator.appliedMigrations(connection) == ["0001_create_index", "0002_add_test"])
        #expect(try tableNames(connection) == Self.indexTables.union(["test_table"]))
        // Only the second migration ran, in one transaction with its record.
        let ran = connection.executedStatements.filter { !$0.hasPrefix("SELECT") && !$0.hasPrefix("PRAGMA") }
        #expect(ran == [
            "BEGIN IMMEDIATE",
            "CREATE TABLE IF NOT EXISTS schema_migration (\n    identifier TEXT NOT NULL PRIMARY KEY,\n"
                + "    applied_at TEXT NOT NULL\n) STRICT",
            "CREATE TABLE test_table (x INTEGER) STRICT;",
            "INSERT INTO schema_migration (identifier, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            "COMMIT",
        ])
    }

    @Test func aFailingMigrationRollsBackAndRecordsNothing() throws {
        let broken = Migration(
            identifier: "0002_break_things",
            sql: "CREATE TABLE half_done (x INTEGER) STRICT;\nINSERT INTO no_such_table VALUES (1);\n",
            sha256: "")
        let connection = try open()
        let error = #expect(throws: StoreError.self) {
            try Migrator.migrate(connection, path: path, migrations: [Migrator.embedded[0], broken])
        }
        #expect(error == .sqlite(
            code: 1, message: "migration 0002_break_things: no such table: no_such_table", sql: broken.sql))
        // The first migration committed on its own; the second left no table and no record.
        #expect(try Migrator.appliedMigrations(connection) == ["0001_create_index"])
        #expect(try tableNames(connection) == Self.indexTables)
        #expect(!connection.isInTransaction)
        #expect(try integer(connection, "PRAGMA foreign_keys") == 1)

        // Fixed, it applies on the next run.
        let fixed = Migration(identifier: broken.identifier, sql: "CREATE TABLE half_done (x INTEGER) STRICT;", sha256: "")
        try Migrator.migrate(connection, path: path, migrations: [Migrator.embedded[0], fixed])
        #expect(try tableNames(connection).contains("half_done"))
    }

    @Test func aFailingFirstMigrationLeavesAnEmptyDatabase() throws {
        let broken = Migration(identifier: "0001_broken", sql: "CREATE TABLE a (x INTEGER); SELEC 1;", sha256: "")
        let connection = try open()
        #expect(throws: StoreError.self) {
            try Migrator.migrate(connection, path: path, migrations: [broken])
        }
        #expect(try tableNames(connection) == [])
        #expect(try Migrator.appliedMigrations(connection) == [])
    }

    @Test func aMigrationLeavingDanglingForeignKeysIsRolledBack() throws {
        let dangling = Migration(
            identifier: "0002_dangling",
            sql: """
                INSERT INTO model (id, weights_sha256, architecture, preprocessing, resize_policy, feature_dim, created_at)
                    VALUES (1, 'abc', 'vgg16', 'caffe', 'shorter-side', 4096, 'now');
                INSERT INTO feature (image_id, model_id, dim, vector) VALUES (42, 1, 1, X'00000000');
                """,
            sha256: "")
        let connection = try open()
        let error = #expect(throws: StoreError.self) {
            try Migrator.migrate(connection, path: path, migrations: [Migrator.embedded[0], dangling])
        }
        #expect(error == .sqlite(
            code: 787,
            message: "migration 0002_dangling leaves 1 rows whose foreign key matches no row (first in table feature)",
            sql: nil))
        #expect(try integer(connection, "SELECT count(*) FROM model") == 0)
        #expect(try Migrator.appliedMigrations(connection) == ["0001_create_index"])
    }

    @Test func aMigrationThatCommitsByItselfIsRefused() throws {
        let committing = Migration(identifier: "0002_commit", sql: "COMMIT; CREATE TABLE after (x INTEGER);", sha256: "")
        let connection = try open()
        let error = #expect(throws: StoreError.self) {
            try Migrator.migrate(connection, path: path, migrations: [Migrator.embedded[0], committing])
        }
        guard case .sqlite(_, let message, _)? = error else {
            Issue.record("expected .sqlite, got \(String(describing: error))")
            return
        }
        #expect(message.contains("must not hold BEGIN, COMMIT or ROLLBACK"))
        #expect(try Migrator.appliedMigrations(connection) == ["0001_create_index"])
    }

    @Test func aDatabaseFromANewerVersionIsRefusedUntouched() throws {
        do {
            let connection = try open()
            try Migrator.migrate(connection, path: path)
            _ = try connection.query(
                "INSERT INTO schema_migration (identifier, applied_at) VALUES ('9999_future', '2099-01-01T00:00:00.000Z')")
            connection.close()
        }
        let before = try #require(fileBytes(path))

        let connection = try open()
        #expect(throws: StoreError.newerSchema(path: path, unknownMigrations: ["9999_future"])) {
            try Migrator.migrate(connection, path: path)
        }
        // Also against a shorter list of known migrations: everything beyond it is unknown.
        #expect(throws: StoreError.newerSchema(path: path, unknownMigrations: ["0002_add_feature_projection", "0003_add_feature_code", "0004_add_weights_location", "0005_add_descriptor", "0006_add_model_provenance", "0007_add_image_format_and_model_color", "0008_add_vector_revision", "0009_add_tallies", "0010_add_run_held_back", "9999_future"])) {
            try Migrator.migrate(connection, path: path, migrations: Self.twoSteps)
        }
        connection.close()

        #expect(fileBytes(path) == before, "a refused database is byte-identical")
        for suffix in ["-journal", "-wal", "-shm"] {
            #expect(!FileManager.default.fileExists(atPath: path + suffix), "left \(suffix)")
        }
    }
}
