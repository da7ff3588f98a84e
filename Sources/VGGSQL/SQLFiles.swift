import VGGCommon
import VGGIndexTypes

/// The image table row by row, as a scan reads and writes it: lookups, and the writes of a
/// batch of scan records (each called inside the caller's transaction).
public final class SQLFiles {
    private let database: any SQLDatabase
    private let schema: SQLSchema

    init(database: any SQLDatabase, schema: SQLSchema) {
        self.database = database
        self.schema = schema
    }

    // MARK: Lookups

    /// The columns `storedImage` reads, with one `?` for the model whose results it counts.
    public static let imageColumns = """
        image.id, image.root_id, root.path, image.relative_path, image.size, image.mtime_ns, image.inode, image.device,
        image.fingerprint, image.status,
        COALESCE((
            SELECT 1 + CASE WHEN EXISTS (
                SELECT 1 FROM descriptor WHERE descriptor.image_id = feature.image_id AND descriptor.model_id = feature.model_id)
                THEN 1 ELSE 0 END
            FROM feature WHERE feature.image_id = image.id AND feature.model_id = ?), 0)
        """

    /// The row for a path under a root, if any.
    public func image(rootID: Int64, relativePath: [UInt8], modelID: Int64) throws(StoreError) -> StoredImage? {
        let rows = try database.query(
            "SELECT \(Self.imageColumns) FROM image JOIN root ON root.id = image.root_id WHERE image.root_id = ? AND image.relative_path = ?",
            [.integer(modelID), .integer(rootID), .blob(relativePath)])
        guard let row = rows.first else { return nil }
        return try Self.storedImage(row)
    }

    /// Rows with this content fingerprint, any root, leaving out rows already seen by run
    /// `excludingRun` (their files exist, so they cannot have moved).
    public func images(fingerprint: [UInt8], modelID: Int64, excludingRun: Int64) throws(StoreError) -> [StoredImage] {
        let rows = try database.query(
            """
            SELECT \(Self.imageColumns) FROM image JOIN root ON root.id = image.root_id
            WHERE image.fingerprint = ? AND image.last_seen_run IS DISTINCT FROM ? ORDER BY image.id
            """,
            [.integer(modelID), .blob(fingerprint), .integer(excludingRun)])
        var images = [StoredImage]()
        for row in rows { if let image = try Self.storedImage(row) { images.append(image) } }
        return images
    }

    /// A row of `imageColumns` (nil for a row without them); a status the schema does not
    /// have is named.
    public static func storedImage(_ row: [SQLValue]) throws(StoreError) -> StoredImage? {
        // The last column: 0 no results for the model, 1 results without descriptors, 2 both.
        guard row.count == 11, let id = row[0].integer, let rootID = row[1].integer, let rootPath = row[2].blob,
            let relative = row[3].blob, let size = row[4].integer, let mtime = row[5].integer, let inode = row[6].integer,
            let device = row[7].integer, let status = row[9].text, let results = row[10].integer
        else { return nil }
        guard let parsed = KnownFile.Status(rawValue: status) else {
            throw .corrupt(path: "the index", reason: "image \(id) has status \"\(status)\", not one of ok, failed, missing")
        }
        return StoredImage(
            id: id, rootID: rootID, rootPath: rootPath, relativePath: relative,
            stat: FileStat(size: size, mtimeNanoseconds: mtime, inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device)),
            fingerprint: row[8].blob, status: parsed, hasResults: results >= 1, hasDescriptors: results == 2)
    }

    // MARK: Writes (inside a transaction)

    /// Seen again, unchanged.
    public func touch(imageID: Int64, runID: Int64) throws(StoreError) {
        try database.run("UPDATE image SET last_seen = ?, last_seen_run = ? WHERE id = ?", [.text(SQLClock.now()), .integer(runID), .integer(imageID)])
    }

    /// Same content with a new stat (touched, copied back, restored, readable again after a
    /// read error, back after going missing): results stay and the row is ok again.
    public func updateStat(imageID: Int64, stat: FileStat, runID: Int64) throws(StoreError) {
        try database.run(
            """
            UPDATE image SET size = ?, mtime_ns = ?, inode = ?, device = ?, status = 'ok', failure_reason = NULL,
                last_seen = ?, last_seen_run = ? WHERE id = ?
            """,
            Self.statValues(stat) + [.text(SQLClock.now()), .integer(runID), .integer(imageID)])
    }

    /// A vanished file found under a new path: only the path changes, results stay. When the
    /// row is no longer at its old path (another writer moved it first, to another copy of the
    /// same content), the new path gets a row of its own with a copy of the results, which
    /// belong to the content, not the path.
    public func move(_ known: KnownFile, to file: FoundFile, runID: Int64) throws(StoreError) {
        let now = SQLClock.now()
        let moved = try database.run(
            """
            UPDATE image SET root_id = ?, relative_path = ?, size = ?, mtime_ns = ?, inode = ?, device = ?,
                status = 'ok', last_seen = ?, last_seen_run = ? WHERE id = ? AND root_id = ? AND relative_path = ?
            """,
            [.integer(file.rootID), .blob(file.relativePath)] + Self.statValues(file.stat)
                + [.text(now), .integer(runID), .integer(known.imageID), .integer(known.rootID), .blob(known.relativePath)])
        guard moved == 0 else { return }
        let copied = try database.query(
            """
            INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status,
                failure_reason, first_seen, last_seen, last_seen_run)
            SELECT ?, ?, ?, ?, ?, ?, fingerprint, width, height, 'ok', NULL, ?, ?, ? FROM image WHERE id = ? RETURNING id
            """,
            [.integer(file.rootID), .blob(file.relativePath)] + Self.statValues(file.stat)
                + [.text(now), .text(now), .integer(runID), .integer(known.imageID)])
        // The results' row is gone altogether (pruned meanwhile): the next scan computes the file.
        guard let copy = copied.first?.first?.integer else { return }
        try ResultTables.copy(from: known.imageID, to: copy, revisions: schema.recordsRevisions, in: database)
    }

    /// A decoded and classified file, for `storeIndexed`.
    public struct Indexed {
        public var file: FoundFile
        public var fingerprint: [UInt8]
        public var width: Int
        public var height: Int
        public var result: ImageResult
        /// What the content was decoded as, when known.
        public var format: ImageFormat?

        public init(file: FoundFile, fingerprint: [UInt8], width: Int, height: Int, result: ImageResult, format: ImageFormat? = nil) {
            self.format = format
            self.file = file
            self.fingerprint = fingerprint
            self.width = width
            self.height = height
            self.result = result
        }
    }

    /// Stores a decoded and classified file that replaces the row of a changed one, whose old
    /// results for every model are removed since its content changed.
    public func storeIndexed(_ indexed: Indexed, replacing existingID: Int64, runID: Int64, modelID: Int64) throws(StoreError) {
        let row = FileRow(
            stat: indexed.file.stat, fingerprint: indexed.fingerprint, width: indexed.width, height: indexed.height, status: "ok", reason: nil)
        try replace(existingID, with: row, runID: runID, modelID: modelID)
        if schema.recordsFormatAndColor {
            try database.run("UPDATE image SET format = ? WHERE id = ?", [indexed.format.map { .text($0.rawValue) } ?? .null, .integer(existingID)])
        }
        try SQLResultRows.store([(existingID, indexed.result)], modelID: modelID, revisions: schema.recordsRevisions, in: database)
    }

    /// Stores many files seen for the first time with their results, a few statements for the
    /// whole batch rather than a few per file (a shared PostgreSQL server answers every
    /// statement over the network).
    public func storeNewIndexed(_ images: [Indexed], runID: Int64, modelID: Int64) throws(StoreError) {
        guard !images.isEmpty else { return }
        let now = SQLClock.now()
        let format = schema.recordsFormatAndColor
        let inserted = try SQLResultRows.insertRows(
            "INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status, "
                + "failure_reason, first_seen, last_seen, last_seen_run\(format ? ", format" : "")) VALUES ",
            images.map { image in
                [.integer(image.file.rootID), .blob(image.file.relativePath)] + Self.statValues(image.file.stat)
                    + [.blob(image.fingerprint), .integer(Int64(image.width)), .integer(Int64(image.height)), .text("ok"), .null,
                       .text(now), .text(now), .integer(runID)]
                    + (format ? [image.format.map { .text($0.rawValue) } ?? .null] : [])
            },
            returning: " RETURNING id, root_id, relative_path", in: database)
        var ids = [ImageKey: Int64]()
        for row in inserted {
            guard let id = row[0].integer, let root = row[1].integer, let path = row[2].blob else { continue }
            ids[ImageKey(rootID: root, relativePath: path)] = id
        }
        var results = [(imageID: Int64, result: ImageResult)]()
        for image in images {
            guard let id = ids[ImageKey(rootID: image.file.rootID, relativePath: image.file.relativePath)] else {
                throw .corrupt(path: database.location, reason: "a new image row got no id")
            }
            results.append((id, image.result))
        }
        try SQLResultRows.store(results, modelID: modelID, revisions: schema.recordsRevisions, in: database)
    }

    private struct ImageKey: Hashable {
        var rootID: Int64
        var relativePath: [UInt8]
    }

    /// Stores a file that could not be decoded, with its reason.
    public func storeFailure(
        _ file: FoundFile, replacing existingID: Int64?, fingerprint: [UInt8]?, reason: String, runID: Int64
    ) throws(StoreError) {
        let row = FileRow(stat: file.stat, fingerprint: fingerprint, width: nil, height: nil, status: "failed", reason: reason)
        guard let existingID else {
            _ = try database.insert(
                """
                INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status,
                    failure_reason, first_seen, last_seen, last_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(file.rootID), .blob(file.relativePath)] + row.values + [.text(SQLClock.now()), .text(SQLClock.now()), .integer(runID)])
            return
        }
        guard fingerprint != nil else {
            // The file could not be read: nothing is known about its content, so the stored
            // fingerprint, size and results all stay for when it can be read again.
            try database.run(
                "UPDATE image SET status = ?, failure_reason = ?, last_seen = ?, last_seen_run = ? WHERE id = ?",
                [.text(row.status), .text(reason), .text(SQLClock.now()), .integer(runID), .integer(existingID)])
            return
        }
        try replace(existingID, with: row, runID: runID, modelID: nil)
    }

    /// What a scan learned of a file's content, as the image row keeps it.
    private struct FileRow {
        var stat: FileStat
        var fingerprint: [UInt8]?
        var width: Int?
        var height: Int?
        var status: String
        var reason: String?

        var values: [SQLValue] {
            SQLFiles.statValues(stat) + [
                fingerprint.map { .blob($0) } ?? .null, width.map { .integer(Int64($0)) } ?? .null,
                height.map { .integer(Int64($0)) } ?? .null, .text(status), reason.map { .text($0) } ?? .null,
            ]
        }
    }

    /// Rewrites an existing row. New content invalidates every model's results; the same
    /// content (a file seen again for another model, or a failed file retried) keeps the other
    /// models'.
    private func replace(_ existingID: Int64, with row: FileRow, runID: Int64, modelID: Int64?) throws(StoreError) {
        let previous = try database.query("SELECT fingerprint FROM image WHERE id = ?", [.integer(existingID)]).first?.first
        let sameContent = row.fingerprint.map { previous == .blob($0) } ?? false
        let scope = sameContent ? " AND model_id = ?" : ""
        let values: [SQLValue] = sameContent ? [.integer(existingID), .integer(modelID ?? -1)] : [.integer(existingID)]
        for table in ResultTables.names {
            try database.run("DELETE FROM \(table) WHERE image_id = ?" + scope, values)
        }
        try database.run(
            """
            UPDATE image SET size = ?, mtime_ns = ?, inode = ?, device = ?, fingerprint = ?, width = ?, height = ?,
                status = ?, failure_reason = ?, last_seen = ?, last_seen_run = ?\(schema.recordsFormatAndColor ? ", format = NULL" : "") WHERE id = ?
            """,
            row.values + [.text(SQLClock.now()), .integer(runID), .integer(existingID)])
    }

    // MARK: Missing files

    /// Of the scope's rows not already missing, how many this run did not see, and how many
    /// there are. Rows at or below a path of `unwalked` (relative to the root: places the walk
    /// could not or would not enter) count as known, never as vanished.
    public func vanished(in scope: RootScope, runID: Int64, unwalked: [[UInt8]]) throws(StoreError) -> (vanished: Int, known: Int) {
        let (condition, values) = Self.condition(scope)
        if !unwalked.isEmpty {
            let known = try database.query("SELECT COUNT(*) FROM image WHERE \(condition) AND status != 'missing'", values)
            return (try unseen(in: scope, runID: runID, unwalked: unwalked).count, Int(known.first?.first?.integer ?? 0))
        }
        let rows = try database.query(
            """
            SELECT COALESCE(SUM(CASE WHEN last_seen_run IS DISTINCT FROM ? THEN 1 ELSE 0 END), 0), COUNT(*)
            FROM image WHERE \(condition) AND status != 'missing'
            """,
            [.integer(runID)] + values)
        guard let row = rows.first, let vanished = row[0].integer, let known = row[1].integer else { return (0, 0) }
        return (Int(vanished), Int(known))
    }

    /// Marks the scope's rows this run did not see as missing (never deletes), but for those
    /// at or below a path of `unwalked`; returns how many.
    public func markMissing(in scope: RootScope, runID: Int64, unwalked: [[UInt8]]) throws(StoreError) -> Int {
        let (condition, values) = Self.condition(scope)
        guard !unwalked.isEmpty else {
            return try database.run(
                "UPDATE image SET status = 'missing' WHERE \(condition) AND status != 'missing' AND last_seen_run IS DISTINCT FROM ?",
                values + [.integer(runID)])
        }
        let ids = try unseen(in: scope, runID: runID, unwalked: unwalked)
        var marked = 0
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            marked += try database.run(
                "UPDATE image SET status = 'missing' WHERE id IN (\(SQLText.placeholders(chunk.count)))", chunk.map { .integer($0) })
        }
        return marked
    }

    /// The scope's rows not missing that this run did not see, outside every `unwalked` place.
    private func unseen(in scope: RootScope, runID: Int64, unwalked: [[UInt8]]) throws(StoreError) -> [Int64] {
        let (condition, values) = Self.condition(scope)
        let rows = try database.query(
            "SELECT id, relative_path FROM image WHERE \(condition) AND status != 'missing' AND last_seen_run IS DISTINCT FROM ?",
            values + [.integer(runID)])
        return rows.compactMap { row in
            guard let id = row[0].integer, let path = row[1].blob else { return nil }
            return unwalked.contains { PathBytes.isWithin(path, folder: $0) } ? nil : id
        }
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

    /// A file's stat as the image row's size, mtime_ns, inode and device.
    public static func statValues(_ stat: FileStat) -> [SQLValue] {
        [.integer(stat.size), .integer(stat.mtimeNanoseconds), .integer(Int64(bitPattern: stat.inode)), .integer(Int64(bitPattern: stat.device))]
    }
}
