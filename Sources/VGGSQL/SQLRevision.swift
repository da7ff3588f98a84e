import VGGIndexTypes

/// The revision counter of an index's stored vectors (migration 0008 / PostgreSQL 0007): a
/// number that only grows, drawn once by each write transaction that stores descriptors and
/// given to each of them, so that the rows written after an approximate index was built are
/// exactly those with a higher revision than it records.
public enum SQLRevision {
    /// The PostgreSQL advisory lock key of revisions: writers hold it shared from drawing a
    /// revision to their commit; a build holds it exclusively while it reads the counter.
    static let lockKey: Int64 = 0x7667_6272_6576_6973

    /// The next revision, for rows this transaction writes. On PostgreSQL it also takes the
    /// shared lock until the transaction ends.
    static func next(in database: any SQLDatabase) throws(StoreError) -> Int64 {
        let rows: [[SQLValue]]
        switch database.dialect {
        case .sqlite:
            rows = try database.query("UPDATE vector_revision SET last = last + 1 WHERE id = 1 RETURNING last", [])
        case .postgresql:
            rows = try database.query(
                "SELECT nextval('vector_revision') FROM (SELECT pg_advisory_xact_lock_shared(\(lockKey))) AS held", [])
        }
        guard let revision = rows.first?.first?.integer else {
            throw .corrupt(path: database.location, reason: "the vector revision counter is missing")
        }
        return revision
    }

    /// The highest revision drawn, and the index's instance name. With `committed`, on
    /// PostgreSQL, it first waits for the writers that hold a revision to commit (the
    /// exclusive lock, released at the statement's end unless inside a transaction), so every
    /// row at or below it is committed; a search needs no such wait.
    static func latest(in database: any SQLDatabase, committed: Bool) throws(StoreError) -> (revision: Int64, instance: String) {
        let rows: [[SQLValue]]
        switch database.dialect {
        case .sqlite:
            rows = try database.query("SELECT last, instance FROM vector_revision WHERE id = 1", [])
        case .postgresql:
            let held = committed ? ", (SELECT pg_advisory_xact_lock(\(lockKey))) AS held" : ""
            rows = try database.query(
                """
                SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM vector_revision), instance
                FROM index_instance\(held) WHERE id = 1
                """, [])
        }
        guard let row = rows.first, let revision = row[0].integer, case .text(let instance) = row[1] else {
            throw .corrupt(path: database.location, reason: "the vector revision counter is missing")
        }
        return (revision, instance)
    }
}
