import VGGSQL
import Foundation
import VGGCommon
import Testing
@testable import VGGStore
import VGGIndexTypes
import _VGGTestSupport

/// The migrations compiled into the binary match `Migrations/*.sql`, and landed ones never change.
@Suite("Migration files")
struct MigrationFilesTests {
    /// Every migration that has landed, with the SHA-256 of its file. Add a line when a new
    /// migration lands; never change a line.
    static let landed: [(identifier: String, sha256: String)] = [
        ("0001_create_index", "85722cb9c864aa808b1f3ce623e6d75e938d3b13dd6191692dab00908c2f6a73"),
        ("0002_add_feature_projection", "50f56ab3348d8f135fd961fbfe4fa45aa16cb15ae42c4b7c27a1b7927fb312ec"),
        ("0003_add_feature_code", "77969c087e953a1e8de5eeba7444334e68fc7cc991cc8c4e262139dfe0262354"),
        ("0004_add_weights_location", "839bb57710acf5ba156b0abc326bed3dc993ab23d03d49af430b1feeca678a5e"),
        ("0005_add_descriptor", "7fcef8bf56865ec92a0336bd12c9a579a890f9071176c16cbde5f974c408846a"),
        ("0006_add_model_provenance", "451567fbf54f8e019ed2ecc8f6abadbf196233b547d2a77404e244dc707d55ae"),
        ("0007_add_image_format_and_model_color", "60bc8f09bc807e56297828f0c5340a0dfc1101aee1bd46379a59e1f129351aee"),
        ("0008_add_vector_revision", "8eee0f9136ca056bb8bd619813d1bb49a58ee77aac2fc60103922854f95a8d55"),
        ("0009_add_tallies", "7b1b97a4c4f252ad0d5cd1f06af4960e6919242529630ee95bf344ebb85b963a"),
        ("0010_add_run_held_back", "b19079cf7b0860a4473ee139747037e4deb8d42f7fa7ba4f5e419ed5d66bd3b0"),
    ]

    static let regenerate = "run `python3 scripts/embed_migrations.py` from the repository root"

    /// `Migrations/*.sql` in lexical order: (identifier, text).
    static func migrationFiles() throws -> [(identifier: String, sql: String)] {
        let folder = FixturePaths.repositoryRoot.appendingPathComponent("Migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try names.map { name in
            let sql = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            return (String(name.dropLast(".sql".count)), sql)
        }
    }

    @Test func embeddedMigrationsMatchTheFiles() throws {
        let files = try Self.migrationFiles()
        #expect(
            Migrator.embedded.map(\.identifier) == files.map(\.identifier),
            "Sources/VGGStore/Migrations+Generated.swift lists other migrations than Migrations/; \(Self.regenerate)")
        for (embedded, file) in zip(Migrator.embedded, files) where embedded.identifier == file.identifier {
            #expect(
                embedded.sql == file.sql,
                "\(file.identifier).sql differs from the copy compiled into the binary; \(Self.regenerate)")
        }
    }

    @Test func recordedDigestsAreOfTheEmbeddedSQL() {
        for migration in Migrator.embedded {
            #expect(
                SHA256.hex(Array(migration.sql.utf8)) == migration.sha256,
                "\(migration.identifier): recorded SHA-256 does not match its SQL; \(Self.regenerate)")
        }
    }

    @Test func landedMigrationsAreNeverEdited() {
        let embedded = Dictionary(uniqueKeysWithValues: Migrator.embedded.map { ($0.identifier, $0.sha256) })
        for (identifier, sha256) in Self.landed {
            guard let current = embedded[identifier] else {
                Issue.record("landed migration \(identifier) is gone; migrations are never renamed or removed once landed")
                continue
            }
            #expect(
                current == sha256,
                "\(identifier) changed after it landed; migrations are never edited once landed; add a new one")
        }
        let listed = Set(Self.landed.map(\.identifier))
        for migration in Migrator.embedded where !listed.contains(migration.identifier) {
            Issue.record(
                "new migration \(migration.identifier): add (\"\(migration.identifier)\", \"\(migration.sha256)\") to MigrationFilesTests.landed")
        }
    }

    @Test func identifiersAreOrderedAndWellFormed() {
        let identifiers = Migrator.embedded.map(\.identifier)
        #expect(identifiers == identifiers.sorted())
        #expect(Set(identifiers.map { $0.prefix(4) }).count == identifiers.count, "two migrations share a number")
        for identifier in identifiers {
            #expect(identifier.wholeMatch(of: /[0-9]{4}_[a-z0-9_]+/) != nil, "\(identifier) is not NNNN_verb_noun")
        }
    }

    @Test func digestMatchesAKnownVector() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array(repeating: 0x61, count: 1000))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
