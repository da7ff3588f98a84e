import VGGCommon
import VGGIndexTypes

/// The root table, and the file rows as a whole.
///
/// A file has exactly one row however it is reached: roots never nest. A folder inside a
/// known root is scanned as part of that root, a new root that contains known roots takes
/// their rows over (kept, not recomputed), and an index that already holds nested roots (from
/// before this rule) is repaired the same way by the next writer.
public final class SQLRoots: RootMaintenance {
    private let database: any SQLDatabase
    private let schema: SQLSchema

    init(database: any SQLDatabase, schema: SQLSchema) {
        self.database = database
        self.schema = schema
    }

    public func all() throws(StoreError) -> [StoredRoot] {
        try database.query("SELECT id, path FROM root ORDER BY path", []).compactMap { row in
            guard let id = row[0].integer, let path = row[1].blob else { return nil }
            return StoredRoot(id: id, path: path)
        }
    }

    /// Read from the counts kept as images are written (`image_tally`) where the index has
    /// them: a few rows, where counting the images was a pass over all of them.
    public func statuses() throws(StoreError) -> [RootStatus] {
        let sql = schema.recordsTallies
            ? """
            SELECT root.path, CAST(COALESCE(SUM(CASE WHEN t.status = 'ok' THEN t.images ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN t.status = 'failed' THEN t.images ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN t.status = 'missing' THEN t.images ELSE 0 END), 0) AS BIGINT), root.id
            FROM root LEFT JOIN image_tally t ON t.root_id = root.id GROUP BY root.id, root.path ORDER BY root.path
            """
            : """
            SELECT root.path, SUM(CASE WHEN image.status = 'ok' THEN 1 ELSE 0 END), SUM(CASE WHEN image.status = 'failed' THEN 1 ELSE 0 END),
                SUM(CASE WHEN image.status = 'missing' THEN 1 ELSE 0 END), root.id
            FROM root LEFT JOIN image ON image.root_id = root.id GROUP BY root.id, root.path ORDER BY root.path
            """
        return try database.query(sql, []).compactMap { row in
            guard let path = row[0].blob, let id = row[4].integer else { return nil }
            let count = { (value: SQLValue) in Int(value.integer ?? 0) }
            return RootStatus(id: id, path: path, ok: count(row[1]), failed: count(row[2]), missing: count(row[3]))
        }
    }

    public func formats() throws(StoreError) -> [(format: String, images: Int)] {
        guard schema.recordsFormatAndColor else { return [] }
        let sql = schema.recordsTallies
            ? """
            SELECT CASE WHEN format = '' THEN 'unknown' ELSE format END, CAST(SUM(images) AS BIGINT) FROM image_tally
            WHERE status = 'ok' GROUP BY 1 HAVING SUM(images) > 0 ORDER BY 2 DESC, 1
            """
            : "SELECT COALESCE(format, 'unknown'), COUNT(*) FROM image WHERE status = 'ok' GROUP BY 1 ORDER BY 2 DESC, 1"
        return try database.query(sql, []).compactMap { row in
            guard let format = row[0].text, let count = row[1].integer else { return nil }
            return (format, Int(count))
        }
    }

    public func failures() throws(StoreError) -> [(path: [UInt8], reason: String)] {
        try database.query(
            """
            SELECT \(database.dialect.absolutePath(root: "root.path", relative: "image.relative_path")), COALESCE(image.failure_reason, '')
            FROM image JOIN root ON root.id = image.root_id WHERE image.status = 'failed' ORDER BY 1
            """, []
        ).compactMap { row in
            guard let path = row[0].blob, let reason = row[1].text else { return nil }
            return (path, reason)
        }
    }

    /// The scope a scan of `path` covers: inside the known root that contains it, or a new
    /// root into which every known root inside `path` is folded first. Call inside a
    /// transaction.
    public func scope(for path: [UInt8]) throws(StoreError) -> (scope: RootScope, folded: [FoldedRoot]) {
        let known = try all()
        if let outer = known.first(where: { PathBytes.isWithin(path, folder: $0.path) }),
            let subpath = PathBytes.relative(path, to: outer.path)
        {
            return (RootScope(root: outer, subpath: subpath), [])
        }
        let root = StoredRoot(
            id: try database.insert("INSERT INTO root (path, added_at) VALUES (?, ?)", [.blob(path), .text(SQLClock.now())]), path: path)
        var folded = [FoldedRoot]()
        for inner in known where PathBytes.isWithin(inner.path, folder: path) {
            folded.append(try fold(inner, into: root))
        }
        return (RootScope(root: root, subpath: []), folded)
    }

    public func foldNested() throws(StoreError) -> [FoldedRoot] {
        try database.writeTransaction { () throws(StoreError) in
            let known = try all()
            var folded = [FoldedRoot]()
            for inner in known {
                let containers = known.filter { $0 != inner && PathBytes.isWithin(inner.path, folder: $0.path) }
                // The outermost container is the one no other container holds.
                guard let outer = containers.first(where: { c in !containers.contains { $0 != c && PathBytes.isWithin(c.path, folder: $0.path) } })
                else { continue }
                folded.append(try fold(inner, into: outer))
            }
            return folded
        }
    }

    /// Moves `inner`'s rows under `outer` (relative paths gain `inner`'s place in `outer`)
    /// and forgets `inner`. A file with a row under both is one file reached twice: the row
    /// seen most recently is kept, and when both rows hold the same content the other's
    /// results (for models the kept row lacks) move to it before it goes, so nothing computed
    /// is lost.
    private func fold(_ inner: StoredRoot, into outer: StoredRoot) throws(StoreError) -> FoldedRoot {
        guard let prefix = PathBytes.relative(inner.path, to: outer.path), !prefix.isEmpty else {
            preconditionFailure("fold: \(PathBytes.display(inner.path)) is not inside \(PathBytes.display(outer.path))")
        }
        let slashPrefix = prefix + [PathBytes.slash]
        let pairs = try database.query(
            """
            SELECT i.id, o.id, CASE WHEN i.fingerprint IS NOT DISTINCT FROM o.fingerprint THEN 1 ELSE 0 END,
                CASE WHEN COALESCE(i.last_seen_run, -1) > COALESCE(o.last_seen_run, -1) THEN 1 ELSE 0 END
            FROM image i JOIN image o ON o.root_id = ? AND o.relative_path = \(database.dialect.concatenated("?", "i.relative_path"))
            WHERE i.root_id = ?
            """, [.integer(outer.id), .blob(slashPrefix), .integer(inner.id)])
        for row in pairs {
            guard let innerID = row[0].integer, let outerID = row[1].integer, let sameContent = row[2].integer,
                let innerNewer = row[3].integer
            else { continue }
            let (kept, dropped) = innerNewer != 0 ? (innerID, outerID) : (outerID, innerID)
            if sameContent != 0 { try ResultTables.copy(from: dropped, to: kept, revisions: schema.recordsRevisions, in: database) }
            try database.run("DELETE FROM image WHERE id = ?", [.integer(dropped)])
        }
        let moved = try database.run(
            "UPDATE image SET root_id = ?, relative_path = \(database.dialect.concatenated("?", "relative_path")) WHERE root_id = ?",
            [.integer(outer.id), .blob(slashPrefix), .integer(inner.id)])
        try database.run("DELETE FROM root WHERE id = ?", [.integer(inner.id)])
        return FoldedRoot(inner: inner.path, outer: outer.path, moved: moved, merged: pairs.count)
    }

    public func remove(_ root: StoredRoot) throws(StoreError) -> Int {
        try database.writeTransaction { () throws(StoreError) in
            let deleted = try database.run("DELETE FROM image WHERE root_id = ?", [.integer(root.id)])
            try database.run("DELETE FROM root WHERE id = ?", [.integer(root.id)])
            return deleted
        }
    }

    public func pruneMissing() throws(StoreError) -> Int {
        // Their results go with them, through the foreign keys.
        try database.writeTransaction { () throws(StoreError) in try database.run("DELETE FROM image WHERE status = 'missing'", []) }
    }
}
