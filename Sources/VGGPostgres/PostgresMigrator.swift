import VGGIndexTypes
import VGGSQL

/// Brings a PostgreSQL index's schema up to date with `Migrations/postgresql/*.sql`, by the
/// rules of `Migrations/README.md`: each migration commits in one transaction with its row
/// in `schema_migration`, and a database recording a migration this binary does not know is
/// refused before anything is written. Workers starting together migrate one at a time
/// (a transaction-scoped advisory lock); the others then find nothing to do.
public enum PostgresMigrator {
    /// The advisory lock key (two 32-bit halves) held while migrating.
    static let lockKey: (Int32, Int32) = (0x7667_6762, 0)

    public static func migrate(_ connection: PostgresConnection, migrations: [Migration] = embedded) throws(StoreError) {
        // Read before writing anything: a database from a newer vggbatch stays untouched.
        let applied = try appliedMigrations(connection)
        try Migration.refuseUnknown(applied, known: migrations, location: connection.location)
        guard migrations.contains(where: { !applied.contains($0.identifier) }) else { return }
        for migration in migrations {
            try connection.writeTransaction { () throws(StoreError) in
                _ = try connection.query("SELECT pg_advisory_xact_lock(?, ?)", [.integer(Int64(lockKey.0)), .integer(Int64(lockKey.1))])
                try connection.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migration (identifier TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)")
                // Another process may have migrated between the first read and this lock.
                let now = try appliedMigrations(connection)
                try Migration.refuseUnknown(now, known: migrations, location: connection.location)
                guard !now.contains(migration.identifier) else { return }
                do throws(StoreError) {
                    try connection.execute(migration.sql)
                } catch {
                    throw naming(migration, in: error)
                }
                try connection.run(
                    "INSERT INTO schema_migration (identifier, applied_at) VALUES (?, ?)", [.text(migration.identifier), .text(SQLClock.now())])
            }
        }
    }

    /// The identifiers recorded in `schema_migration`, sorted; empty when the table is absent.
    public static func appliedMigrations(_ connection: PostgresConnection) throws(StoreError) -> [String] {
        let table = try connection.query("SELECT to_regclass('schema_migration') IS NOT NULL", [])
        guard table.first?.first?.integer == 1 else { return [] }
        return try connection.query("SELECT identifier FROM schema_migration ORDER BY identifier", []).compactMap { $0.first?.text }
    }

    /// Puts the migration's identifier in front of the server's message.
    private static func naming(_ migration: Migration, in error: StoreError) -> StoreError {
        guard case .server(let code, let message, let sql) = error else { return error }
        return .server(code: code, message: "migration \(migration.identifier): \(message)", sql: sql)
    }
}
