import VGGCommon
import VGGIndexTypes

/// A file has exactly one row however it is reached: roots never nest. A folder inside a
/// known root is scanned as part of that root, a new root that contains known roots takes
/// their rows over (kept, not recomputed), and an index that already holds nested roots (from
/// before this rule) is repaired the same way by the next writer.
extension SQLIndex {
    /// Every root, by path.
    public func roots() throws(StoreError) -> [StoredRoot] {
        try database.query("SELECT id, path FROM root ORDER BY path", []).compactMap { row in
            guard case .integer(let id) = row[0], case .blob(let path) = row[1] else { return nil }
            return StoredRoot(id: id, path: path)
        }
    }

    /// The root with exactly this path, if any.
    public func root(path: [UInt8]) throws(StoreError) -> StoredRoot? {
        try roots().first { $0.path == path }
    }

    /// The scope a scan of `path` covers: inside the known root that contains it, or a new
    /// root into which every known root inside `path` is folded first. Call inside a
    /// transaction.
    public func scope(for path: [UInt8]) throws(StoreError) -> (scope: RootScope, folded: [FoldedRoot]) {
        let known = try roots()
        if let outer = known.first(where: { PathBytes.isWithin(path, folder: $0.path) }),
            let subpath = PathBytes.relative(path, to: outer.path)
        {
            return (RootScope(root: outer, subpath: subpath), [])
        }
        let inserted = try database.query("INSERT INTO root (path, added_at) VALUES (?, ?) RETURNING id", [.blob(path), .text(Self.now())])
        guard let id = inserted.first?.first?.integer else { throw .corrupt(path: location, reason: "a new root got no id") }
        let root = StoredRoot(id: id, path: path)
        var folded = [FoldedRoot]()
        for inner in known where PathBytes.isWithin(inner.path, folder: path) {
            folded.append(try fold(inner, into: root))
        }
        return (RootScope(root: root, subpath: []), folded)
    }

    /// Folds every root that lies inside another into the outermost one containing it (an
    /// index written before roots were kept apart). Call inside a transaction.
    public func foldNestedRoots() throws(StoreError) -> [FoldedRoot] {
        let known = try roots()
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
            guard case .integer(let innerID) = row[0], case .integer(let outerID) = row[1],
                case .integer(let sameContent) = row[2], case .integer(let innerNewer) = row[3]
            else { continue }
            let (kept, dropped) = innerNewer != 0 ? (innerID, outerID) : (outerID, innerID)
            if sameContent != 0 {
                for (table, columns) in Self.resultColumns {
                    try copyResults(table: table, columns: columns, from: dropped, to: kept)
                }
            }
            try database.run("DELETE FROM image WHERE id = ?", [.integer(dropped)])
        }
        let moved = try database.run(
            "UPDATE image SET root_id = ?, relative_path = \(database.dialect.concatenated("?", "relative_path")) WHERE root_id = ?",
            [.integer(outer.id), .blob(slashPrefix), .integer(inner.id)])
        try database.run("DELETE FROM root WHERE id = ?", [.integer(inner.id)])
        return FoldedRoot(inner: inner.path, outer: outer.path, moved: moved, merged: pairs.count)
    }

    /// Copies one image's rows of a result table to another image, keeping what the other
    /// already has.
    func copyResults(table: String, columns: String, from source: Int64, to destination: Int64) throws(StoreError) {
        try database.run(
            "INSERT INTO \(table) (image_id, \(columns)) SELECT ?, \(columns) FROM \(table) WHERE image_id = ? ON CONFLICT DO NOTHING",
            [.integer(destination), .integer(source)])
    }

    /// The per-image result tables and their columns besides `image_id`.
    static let resultColumns: [(table: String, columns: String)] = [
        ("prediction", "model_id, rank, class_index, probability"),
        ("feature", "model_id, dim, vector"),
        ("feature_code", "model_id, scale, error, code"),
        ("feature_projection", "model_id, coordinates, residual"),
        ("descriptor", "model_id, kind, dim, vector"),
    ]

    /// Forgets a root and every row under it (their results go with them). Returns how
    /// many image rows were deleted. Call inside a transaction.
    public func removeRoot(_ root: StoredRoot) throws(StoreError) -> Int {
        let deleted = try database.run("DELETE FROM image WHERE root_id = ?", [.integer(root.id)])
        try database.run("DELETE FROM root WHERE id = ?", [.integer(root.id)])
        return deleted
    }

    /// The SQL condition (and its values) selecting the image rows of a scope.
    static func condition(_ scope: RootScope) -> (sql: String, values: [SQLValue]) {
        if scope.subpath.isEmpty { return ("root_id = ?", [.integer(scope.root.id)]) }
        // Every relative path below the folder sorts between "sub/" and "sub0" ("0" follows "/").
        return (
            "root_id = ? AND relative_path >= ? AND relative_path < ?",
            [.integer(scope.root.id), .blob(scope.subpath + [PathBytes.slash]), .blob(scope.subpath + [UInt8(ascii: "0")])]
        )
    }
}
