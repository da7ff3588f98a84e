import VGGSQL
import CSQLite3
import VGGIndexTypes

/// Brings a database's schema up to date by applying `Migrations/*.sql` in order.
///
/// The rules are in `Migrations/README.md`: each migration commits in one transaction with
/// its row in `schema_migration`, so a failed one leaves nothing behind and stays pending;
/// a database recording a migration this binary does not know is refused before anything
/// is written to it.
public enum Migrator {
    /// Applies the migrations `connection`'s database lacks, in order, up to and including
    /// `identifier` (all of them when nil). `path` names the database in errors.
    ///
    /// Throws `.newerSchema` when the database records a migration not in `migrations`.
    /// Must be called outside a transaction.
    public static func migrate(
        _ connection: SQLiteConnection,
        path: String,
        upTo identifier: String? = nil,
        migrations: [Migration] = embedded
    ) throws(StoreError) {
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.identifier < $1.identifier },
            "migrations must be listed in strictly increasing identifier order")
        precondition(!connection.isInTransaction, "Migrator.migrate runs its own transactions")
        var target = migrations[...]
        if let identifier {
            guard let last = migrations.firstIndex(where: { $0.identifier == identifier }) else {
                preconditionFailure("no migration \(identifier) to migrate up to")
            }
            target = migrations[...last]
        }

        // Read before writing anything: a database from a newer vggbatch stays untouched.
        let applied = try appliedMigrations(connection)
        try Migration.refuseUnknown(applied, known: migrations, location: path)
        let pending = target.filter { !applied.contains($0.identifier) }
        guard !pending.isEmpty else { return }

        // Rebuilding a table (README rule 4) drops it, and with foreign keys on the drop
        // would delete every child row through ON DELETE CASCADE. As in SQLite's rebuild
        // procedure and GRDB, enforcement is off while migrating and every key is checked
        // before each commit instead. The pragma has no effect inside a transaction.
        try connection.execute("PRAGMA foreign_keys=OFF")
        do {
            for migration in pending {
                try apply(migration, to: connection, path: path, known: migrations)
            }
        } catch {
            try? connection.execute("PRAGMA foreign_keys=ON")
            throw error
        }
        try connection.execute("PRAGMA foreign_keys=ON")
    }

    /// The identifiers recorded in `schema_migration`, sorted; empty when the table is absent.
    public static func appliedMigrations(_ connection: SQLiteConnection) throws(StoreError) -> [String] {
        let table = try connection.query(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migration'")
        guard !table.isEmpty else { return [] }
        return try connection.query("SELECT identifier FROM schema_migration ORDER BY identifier").map { row in
            guard case .text(let identifier) = row.first else { return "" }
            return identifier
        }
    }

    // MARK: - Applying one migration

    /// Created inside the first migration's transaction, so a database whose first
    /// migration fails is left without it too.
    private static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migration (
            identifier TEXT NOT NULL PRIMARY KEY,
            applied_at TEXT NOT NULL
        ) STRICT
        """

    /// SQLITE_CONSTRAINT_FOREIGNKEY, a macro built from other macros, which Swift does not import.
    private static let constraintForeignKey: Int32 = SQLITE_CONSTRAINT | (3 << 8)

    private static func apply(
        _ migration: Migration, to connection: SQLiteConnection, path: String, known: [Migration]
    ) throws(StoreError) {
        try connection.writeTransaction { () throws(StoreError) in
            try connection.execute(createTable)
            // Another process may have migrated between the first read and this write lock.
            let applied = try appliedMigrations(connection)
            try Migration.refuseUnknown(applied, known: known, location: path)
            guard !applied.contains(migration.identifier) else { return }

            do throws(StoreError) {
                try connection.execute(migration.sql)
            } catch {
                throw naming(migration, in: error)
            }
            guard connection.isInTransaction else {
                throw .sqlite(
                    code: SQLITE_MISUSE,
                    message: "migration \(migration.identifier) ended its own transaction; "
                        + "migrations must not hold BEGIN, COMMIT or ROLLBACK",
                    sql: nil)
            }
            let violations = try connection.query("PRAGMA foreign_key_check")
            if let first = violations.first {
                throw .sqlite(
                    code: constraintForeignKey,
                    message: "migration \(migration.identifier) leaves \(violations.count) rows whose "
                        + "foreign key matches no row (first in table \(describe(first.first)))",
                    sql: nil)
            }
            _ = try connection.query(
                "INSERT INTO schema_migration (identifier, applied_at) "
                    + "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                [.text(migration.identifier)])
        }
    }

    /// Puts the migration's identifier in front of SQLite's message, which alone would not
    /// say which file failed.
    private static func naming(_ migration: Migration, in error: StoreError) -> StoreError {
        guard case .sqlite(let code, let message, let sql) = error else { return error }
        return .sqlite(code: code, message: "migration \(migration.identifier): \(message)", sql: sql)
    }

    private static func describe(_ value: SQLValue?) -> String {
        if case .text(let text) = value { return text }
        return "?"
    }
}
