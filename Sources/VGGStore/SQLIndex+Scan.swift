import VGGCommon
import VGGIndexTypes
extension SQLIndex {
    // MARK: Roots, models, runs

    /// The id of the model row for these weights and preprocessing, creating it if new.
    public func modelID(
        weightsSHA256: String, name: String?, architecture: String, preprocessing: String, resizePolicy: String, featureDimension: Int,
        convolutionBase: String? = nil, precision: String = "f32"
    ) throws(StoreError) -> Int64 {
        let key: [SQLValue] = [.text(weightsSHA256), .text(preprocessing), .text(resizePolicy)]
        let select = "SELECT id FROM model WHERE weights_sha256 = ? AND preprocessing = ? AND resize_policy = ?"
        if let row = try database.query(select, key).first, case .integer(let id) = row[0] {
            // A model recorded before its convolutions were: the same file, so the same ones.
            if let convolutionBase, recordsModelProvenance {
                try database.run(
                    "UPDATE model SET convolution_base = ? WHERE id = ? AND convolution_base IS NULL", [.text(convolutionBase), .integer(id)])
            }
            return id
        }
        let id = try insert(
            "INSERT INTO model (weights_sha256, name, architecture, preprocessing, resize_policy, feature_dim, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(weightsSHA256), name.map { .text($0) } ?? .null, .text(architecture), .text(preprocessing), .text(resizePolicy),
             .integer(Int64(featureDimension)), .text(Self.now())])
        if recordsModelProvenance {
            try database.run(
                "UPDATE model SET convolution_base = ?, precision = ? WHERE id = ?",
                [convolutionBase.map { .text($0) } ?? .null, .text(precision), .integer(id)])
        }
        return id
    }

    /// Records where the model's weights were found (absolute path bytes, size, modification
    /// time), so later commands can load the same file without being told.
    public func recordWeightsLocation(modelID: Int64, path: [UInt8], size: Int64, mtimeNanoseconds: Int64) throws(StoreError) {
        try database.run(
            "UPDATE model SET weights_path = ?, weights_size = ?, weights_mtime_ns = ? WHERE id = ?",
            [.blob(path), .integer(size), .integer(mtimeNanoseconds), .integer(modelID)])
    }

    /// Records the start of a scan and returns its run id. Runs still marked running are
    /// from a scan that was killed (the caller holds the scan lock, so none is alive): they
    /// are marked interrupted.
    public func beginRun(options: String, modelID: Int64) throws(StoreError) -> Int64 {
        try database.run(
            "UPDATE scan_run SET status = 'interrupted', finished_at = ? WHERE status = 'running'", [.text(Self.now())])
        return try insert(
            "INSERT INTO scan_run (started_at, options, model_id, status) VALUES (?, ?, ?, 'running')",
            [.text(Self.now()), .text(options), .integer(modelID)])
    }

    /// Records a run as interrupted, unless it already ended.
    public func markInterrupted(runID: Int64) throws(StoreError) {
        try database.run(
            "UPDATE scan_run SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'",
            [.text(Self.now()), .integer(runID)])
    }

    /// Runs an INSERT and returns the id of the new row.
    func insert(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int64 {
        guard let id = try database.query(sql + " RETURNING id", values).first?.first?.integer else {
            throw .corrupt(path: location, reason: "a new row got no id")
        }
        return id
    }

    /// Records how a scan ended.
    public func finishRun(_ id: Int64, status: String, counts: RunCounts) throws(StoreError) {
        try database.run(
            """
            UPDATE scan_run SET finished_at = ?, status = ?, new_count = ?, changed_count = ?, touched_count = ?,
                unchanged_count = ?, moved_count = ?, failed_count = ?, missing_count = ?, computed_count = ? WHERE id = ?
            """,
            [.text(Self.now()), .text(status)]
                + [counts.new, counts.changed, counts.touched, counts.unchanged, counts.moved, counts.failed, counts.missing, counts.computed]
                .map { .integer(Int64($0)) } + [.integer(id)])
    }

    // MARK: Lookups

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
        try database.query(
            "SELECT \(Self.imageColumns) FROM image JOIN root ON root.id = image.root_id WHERE image.root_id = ? AND image.relative_path = ?",
            [.integer(modelID), .integer(rootID), .blob(relativePath)]
        ).first.flatMap(Self.storedImage)
    }

    /// Rows with this content fingerprint, any root, leaving out rows already seen by run
    /// `excludingRun` (their files exist, so they cannot have moved).
    public func images(fingerprint: [UInt8], modelID: Int64, excludingRun: Int64 = -1) throws(StoreError) -> [StoredImage] {
        try database.query(
            """
            SELECT \(Self.imageColumns) FROM image JOIN root ON root.id = image.root_id
            WHERE image.fingerprint = ? AND image.last_seen_run IS DISTINCT FROM ? ORDER BY image.id
            """,
            [.integer(modelID), .blob(fingerprint), .integer(excludingRun)]
        ).compactMap(Self.storedImage)
    }

    public static func storedImage(_ row: [SQLValue]) -> StoredImage? {
        // The last column: 0 no results for the model, 1 results without descriptors, 2 both.
        guard row.count == 11, case .integer(let id) = row[0], case .integer(let rootID) = row[1],
            case .blob(let rootPath) = row[2], case .blob(let relative) = row[3], case .integer(let size) = row[4],
            case .integer(let mtime) = row[5], case .integer(let inode) = row[6], case .integer(let device) = row[7],
            case .text(let status) = row[9], case .integer(let results) = row[10]
        else { return nil }
        var fingerprint: [UInt8]?
        if case .blob(let bytes) = row[8] { fingerprint = bytes }
        return StoredImage(
            id: id, rootID: rootID, rootPath: rootPath, relativePath: relative,
            stat: FileStat(size: size, mtimeNanoseconds: mtime, inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device)),
            fingerprint: fingerprint, status: status, hasResults: results >= 1, hasDescriptors: results == 2)
    }

    // MARK: Writes (inside a transaction)

    /// Seen again, unchanged.
    public func touch(imageID: Int64, runID: Int64) throws(StoreError) {
        try database.run("UPDATE image SET last_seen = ?, last_seen_run = ? WHERE id = ?", [.text(Self.now()), .integer(runID), .integer(imageID)])
    }

    /// Same content with a new stat (touched, copied back, restored, readable again after a
    /// read error, back after going missing): results stay and the row is ok again.
    public func updateStat(imageID: Int64, stat: FileStat, runID: Int64) throws(StoreError) {
        try database.run(
            """
            UPDATE image SET size = ?, mtime_ns = ?, inode = ?, device = ?, status = 'ok', failure_reason = NULL,
                last_seen = ?, last_seen_run = ? WHERE id = ?
            """,
            Self.statValues(stat) + [.text(Self.now()), .integer(runID), .integer(imageID)])
    }

    /// A vanished file found under a new path: only the path changes, results stay. When the
    /// row is no longer at its old path (another writer moved it first, to another copy of the
    /// same content), the new path gets a row of its own with a copy of the results, which
    /// belong to the content, not the path.
    public func move(
        imageID: Int64, from oldRootID: Int64, _ oldRelativePath: [UInt8], to rootID: Int64, _ relativePath: [UInt8], stat: FileStat,
        runID: Int64
    ) throws(StoreError) {
        let now = Self.now()
        let moved = try database.run(
            """
            UPDATE image SET root_id = ?, relative_path = ?, size = ?, mtime_ns = ?, inode = ?, device = ?,
                status = 'ok', last_seen = ?, last_seen_run = ? WHERE id = ? AND root_id = ? AND relative_path = ?
            """,
            [.integer(rootID), .blob(relativePath)] + Self.statValues(stat)
                + [.text(now), .integer(runID), .integer(imageID), .integer(oldRootID), .blob(oldRelativePath)])
        guard moved == 0 else { return }
        let copied = try database.query(
            """
            INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status,
                failure_reason, first_seen, last_seen, last_seen_run)
            SELECT ?, ?, ?, ?, ?, ?, fingerprint, width, height, 'ok', NULL, ?, ?, ? FROM image WHERE id = ? RETURNING id
            """,
            [.integer(rootID), .blob(relativePath)] + Self.statValues(stat) + [.text(now), .text(now), .integer(runID), .integer(imageID)])
        // The results' row is gone altogether (pruned meanwhile): the next scan computes the file.
        guard let copy = copied.first?.first?.integer else { return }
        for (table, columns) in Self.resultColumns {
            try copyResults(table: table, columns: columns, from: imageID, to: copy)
        }
    }

    /// Stores a decoded and classified file (new, or replacing the row of a changed one, whose
    /// old results for every model are removed since its content changed).
    @discardableResult
    public func storeIndexed(
        existingID: Int64?, rootID: Int64, relativePath: [UInt8], stat: FileStat, fingerprint: [UInt8],
        width: Int, height: Int, runID: Int64, modelID: Int64, output: ImageResult
    ) throws(StoreError) -> Int64 {
        let id = try upsertImage(
            existingID: existingID, rootID: rootID, relativePath: relativePath, stat: stat, fingerprint: fingerprint,
            width: width, height: height, status: "ok", reason: nil, runID: runID, modelID: modelID)
        try storeResults([(id, output)], modelID: modelID)
        return id
    }

    /// A decoded and classified file seen for the first time, for `storeNewIndexed`.
    public struct NewImage {
        public var rootID: Int64
        public var relativePath: [UInt8]
        public var stat: FileStat
        public var fingerprint: [UInt8]
        public var width: Int
        public var height: Int
        public var output: ImageResult

        public init(
            rootID: Int64, relativePath: [UInt8], stat: FileStat, fingerprint: [UInt8], width: Int, height: Int, output: ImageResult
        ) {
            self.rootID = rootID
            self.relativePath = relativePath
            self.stat = stat
            self.fingerprint = fingerprint
            self.width = width
            self.height = height
            self.output = output
        }
    }

    /// Stores many new files with their results, a few statements for the whole batch rather
    /// than a few per file (a shared PostgreSQL server answers every statement over the
    /// network).
    public func storeNewIndexed(_ images: [NewImage], runID: Int64, modelID: Int64) throws(StoreError) {
        guard !images.isEmpty else { return }
        let now = Self.now()
        let inserted = try insertRows(
            "INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status, "
                + "failure_reason, first_seen, last_seen, last_seen_run) VALUES ",
            images.map { image in
                [.integer(image.rootID), .blob(image.relativePath)] + Self.statValues(image.stat)
                    + [.blob(image.fingerprint), .integer(Int64(image.width)), .integer(Int64(image.height)), .text("ok"), .null,
                       .text(now), .text(now), .integer(runID)]
            },
            returning: " RETURNING id, root_id, relative_path")
        var ids = [ImageKey: Int64]()
        for row in inserted {
            guard let id = row[0].integer, let root = row[1].integer, let path = row[2].blob else { continue }
            ids[ImageKey(rootID: root, relativePath: path)] = id
        }
        var results = [(imageID: Int64, output: ImageResult)]()
        for image in images {
            guard let id = ids[ImageKey(rootID: image.rootID, relativePath: image.relativePath)] else {
                throw .corrupt(path: location, reason: "a new image row got no id")
            }
            results.append((id, image.output))
        }
        try storeResults(results, modelID: modelID)
    }

    private struct ImageKey: Hashable {
        var rootID: Int64
        var relativePath: [UInt8]
    }

    /// The predictions, feature vector, its code and the pooled descriptors of each image, in
    /// one statement per table.
    func storeResults(_ results: [(imageID: Int64, output: ImageResult)], modelID: Int64) throws(StoreError) {
        var predictions = [[SQLValue]]()
        var features = [[SQLValue]]()
        var codes = [[SQLValue]]()
        var descriptors = [[SQLValue]]()
        for (imageID, output) in results {
            for (rank, entry) in output.top.prefix(5).enumerated() {
                predictions.append([
                    .integer(imageID), .integer(modelID), .integer(Int64(rank + 1)), .integer(Int64(entry.index)), .real(Double(entry.probability)),
                ])
            }
            features.append([
                .integer(imageID), .integer(modelID), .integer(Int64(output.features.count)), .blob(FeatureCodec.encode(output.features)),
            ])
            if let code = output.searchCode {
                codes.append([.integer(imageID), .integer(modelID), .real(Double(code.scale)), .real(Double(code.error)), .blob(code.bytes)])
            }
            for kind in FeatureKind.pooled {
                let vector = output.vector(kind)
                guard !vector.isEmpty else { continue }
                descriptors.append([
                    .integer(imageID), .integer(modelID), .text(kind.rawValue), .integer(Int64(vector.count)), .blob(FeatureCodec.encode(vector)),
                ])
            }
        }
        let predictionHead = "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES "
        let featureHead = "INSERT INTO feature (image_id, model_id, dim, vector) VALUES "
        let codeHead = "INSERT INTO feature_code (image_id, model_id, scale, error, code) VALUES "
        let codeConflict = " ON CONFLICT (image_id, model_id) DO UPDATE SET scale = excluded.scale, error = excluded.error, code = excluded.code"
        let descriptorHead = "INSERT INTO descriptor (image_id, model_id, kind, dim, vector) VALUES "
        let descriptorConflict = " ON CONFLICT (image_id, model_id, kind) DO UPDATE SET dim = excluded.dim, vector = excluded.vector"
        if database.dialect == .postgresql && results.count <= 256 {
            // A server answers each statement over the network: the three inserts go as one
            // (PostgreSQL runs INSERTs inside WITH; SQLite does not).
            func values(_ rows: [[SQLValue]]) -> String {
                rows.map { "(" + Array(repeating: "?", count: $0.count).joined(separator: ", ") + ")" }.joined(separator: ", ")
            }
            var sql = "WITH "
            if !predictions.isEmpty { sql += "p AS (\(predictionHead)\(values(predictions))), " }
            if !descriptors.isEmpty { sql += "d AS (\(descriptorHead)\(values(descriptors))\(descriptorConflict)), " }
            if codes.isEmpty {
                sql += "f AS (SELECT 1) \(featureHead)\(values(features))"
            } else {
                sql += "f AS (\(featureHead)\(values(features))) \(codeHead)\(values(codes))\(codeConflict)"
            }
            try database.run(
                sql, predictions.flatMap { $0 } + descriptors.flatMap { $0 } + features.flatMap { $0 } + codes.flatMap { $0 })
            return
        }
        _ = try insertRows(predictionHead, predictions)
        _ = try insertRows(featureHead, features)
        _ = try insertRows(codeHead, codes, returning: codeConflict)
        _ = try insertRows(descriptorHead, descriptors, returning: descriptorConflict)
    }

    /// One multi-row INSERT (`head` ends with VALUES) per few thousand values, with `returning`
    /// (a conflict clause, or RETURNING) after each; the rows RETURNING returns.
    func insertRows(_ head: String, _ rows: [[SQLValue]], returning: String = "") throws(StoreError) -> [[SQLValue]] {
        guard let width = rows.first?.count, width > 0 else { return [] }
        let group = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        // Under SQLite's and PostgreSQL's limits on parameters in one statement.
        let perStatement = max(1, 16_000 / width)
        var returned = [[SQLValue]]()
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            let sql = head + Array(repeating: group, count: chunk.count).joined(separator: ", ") + returning
            if returning.contains("RETURNING") {
                returned += try database.query(sql, chunk.flatMap { $0 })
            } else {
                // Prepared once per row count: batches mostly have the same size.
                try database.run(sql, chunk.flatMap { $0 })
            }
        }
        return returned
    }

    /// Stores a file that could not be decoded, with its reason.
    public func storeFailure(
        existingID: Int64?, rootID: Int64, relativePath: [UInt8], stat: FileStat, fingerprint: [UInt8]?, reason: String, runID: Int64
    ) throws(StoreError) {
        _ = try upsertImage(
            existingID: existingID, rootID: rootID, relativePath: relativePath, stat: stat, fingerprint: fingerprint,
            width: nil, height: nil, status: "failed", reason: reason, runID: runID)
    }

    private func upsertImage(
        existingID: Int64?, rootID: Int64, relativePath: [UInt8], stat: FileStat, fingerprint: [UInt8]?,
        width: Int?, height: Int?, status: String, reason: String?, runID: Int64, modelID: Int64? = nil
    ) throws(StoreError) -> Int64 {
        let now = Self.now()
        let common: [SQLValue] = Self.statValues(stat) + [
            fingerprint.map { .blob($0) } ?? .null, width.map { .integer(Int64($0)) } ?? .null,
            height.map { .integer(Int64($0)) } ?? .null, .text(status), reason.map { .text($0) } ?? .null,
        ]
        if let existingID {
            guard fingerprint != nil else {
                // The file could not be read: nothing is known about its content, so the
                // stored fingerprint, size and results all stay for when it can be read again.
                try database.run(
                    """
                    UPDATE image SET status = ?, failure_reason = ?, last_seen = ?, last_seen_run = ? WHERE id = ?
                    """,
                    [.text(status), reason.map { .text($0) } ?? .null, .text(now), .integer(runID), .integer(existingID)])
                return existingID
            }
            // New content invalidates every model's results; the same content (a file seen
            // again for another model, or a failed file retried) keeps the other models'.
            let previous = try database.query("SELECT fingerprint FROM image WHERE id = ?", [.integer(existingID)]).first?.first
            let sameContent = fingerprint.map { previous == .blob($0) } ?? false
            let scope = sameContent ? " AND model_id = ?" : ""
            let values: [SQLValue] = sameContent ? [.integer(existingID), .integer(modelID ?? -1)] : [.integer(existingID)]
            for table in Self.resultTables {
                try database.run("DELETE FROM \(table) WHERE image_id = ?" + scope, values)
            }
            try database.run(
                """
                UPDATE image SET size = ?, mtime_ns = ?, inode = ?, device = ?, fingerprint = ?, width = ?, height = ?,
                    status = ?, failure_reason = ?, last_seen = ?, last_seen_run = ? WHERE id = ?
                """,
                common + [.text(now), .integer(runID), .integer(existingID)])
            return existingID
        }
        return try insert(
            """
            INSERT INTO image (root_id, relative_path, size, mtime_ns, inode, device, fingerprint, width, height, status,
                failure_reason, first_seen, last_seen, last_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(rootID), .blob(relativePath)] + common + [.text(now), .text(now), .integer(runID)])
    }

    /// Tables holding per-image, per-model results, removed together when content changes.
    static let resultTables = ["prediction", "feature", "feature_code", "feature_projection", "descriptor"]

    // MARK: Missing files

    /// Of the scope's rows not already missing, how many this run did not see, and how many
    /// there are. Rows at or below a path of `unwalked` (relative to the root: places the walk
    /// could not or would not enter) count as known, never as vanished.
    public func vanished(in scope: RootScope, runID: Int64, unwalked: [[UInt8]] = []) throws(StoreError) -> (vanished: Int, known: Int) {
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
        guard let row = rows.first, case .integer(let vanished) = row[0], case .integer(let known) = row[1] else { return (0, 0) }
        return (Int(vanished), Int(known))
    }

    /// Marks the scope's rows this run did not see as missing (never deletes), but for those
    /// at or below a path of `unwalked`; returns how many.
    public func markMissing(in scope: RootScope, runID: Int64, unwalked: [[UInt8]] = []) throws(StoreError) -> Int {
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
                "UPDATE image SET status = 'missing' WHERE id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))",
                chunk.map { .integer($0) })
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

    public static func statValues(_ stat: FileStat) -> [SQLValue] {
        [.integer(stat.size), .integer(stat.mtimeNanoseconds), .integer(Int64(bitPattern: stat.inode)), .integer(Int64(bitPattern: stat.device))]
    }
}
