import VGGCommon
import VGGIndexTypes

/// The result tables as the reading commands see them: predictions and vectors per image.
public final class SQLResults: ResultStore {
    private let database: any SQLDatabase
    private let models: SQLModels
    private let schema: SQLSchema

    init(database: any SQLDatabase, models: SQLModels, schema: SQLSchema) {
        self.database = database
        self.models = models
        self.schema = schema
    }

    /// The roots `absolutePath` lies below, each with the path relative to it: where its row
    /// can be (roots never nest, but an index from before that rule may hold nested ones).
    private func places(of absolutePath: [UInt8]) throws(StoreError) -> [(rootID: Int64, relative: [UInt8])] {
        try database.query("SELECT id, path FROM root", []).compactMap { root in
            guard let rootID = root[0].integer, let rootPath = root[1].blob,
                let relative = PathBytes.relative(absolutePath, to: rootPath), !relative.isEmpty
            else { return nil }
            return (rootID, relative)
        }
    }

    public func details(absolutePath: [UInt8]) throws(StoreError) -> ImageDetails? {
        for (rootID, relative) in try places(of: absolutePath) {
            let rows = try database.query(
                """
                SELECT image.id, image.root_id, root.path, image.relative_path, image.size, image.mtime_ns, image.inode, image.device,
                    image.fingerprint, image.status, 0, image.width, image.height, image.failure_reason, image.first_seen, image.last_seen
                FROM image JOIN root ON root.id = image.root_id WHERE image.root_id = ? AND image.relative_path = ?
                """, [.integer(rootID), .blob(relative)])
            guard let row = rows.first, let image = try SQLFiles.storedImage(Array(row[0..<11])) else { continue }
            var details = ImageDetails(
                image: image, width: row[11].integer.map(Int.init), height: row[12].integer.map(Int.init), failureReason: row[13].text,
                firstSeen: row[14].text ?? "", lastSeen: row[15].text ?? "", results: [])
            for model in try models.all() {
                let top = try predictions(imageID: image.id, modelID: model.id)
                let features = try features(imageID: image.id, modelID: model.id)
                if !top.isEmpty || features != nil {
                    details.results.append((model.id, ImageResult(top: top.map { ($0.index, Float($0.probability)) }, features: features ?? [])))
                }
            }
            return details
        }
        return nil
    }

    /// The id of the ok image at `absolutePath`: one lookup by root and relative path (not
    /// `details`, which also counts every model's images: 150 ms at a million on PostgreSQL).
    public func imageID(absolutePath: [UInt8]) throws(StoreError) -> Int64? {
        for (rootID, relative) in try places(of: absolutePath) {
            let rows = try database.query(
                "SELECT id, status FROM image WHERE root_id = ? AND relative_path = ?", [.integer(rootID), .blob(relative)])
            if let row = rows.first, let id = row[0].integer { return row[1].text == "ok" ? id : nil }
        }
        return nil
    }

    /// Rank-ordered predictions of one image for one model.
    private func predictions(imageID: Int64, modelID: Int64) throws(StoreError) -> [(index: Int, probability: Double)] {
        try database.query(
            "SELECT class_index, probability FROM prediction WHERE image_id = ? AND model_id = ? ORDER BY rank",
            [.integer(imageID), .integer(modelID)]
        ).compactMap { row in
            guard let index = row[0].integer, let probability = row[1].real else { return nil }
            return (Int(index), probability)
        }
    }

    /// The stored feature vector, checked against its recorded dimension.
    private func features(imageID: Int64, modelID: Int64) throws(StoreError) -> [Float]? {
        guard let row = try database.query(
            "SELECT dim, vector FROM feature WHERE image_id = ? AND model_id = ?", [.integer(imageID), .integer(modelID)]).first,
            let dim = row[0].integer, let values = row[1].blob.flatMap(FloatCodec.decode), values.count == Int(dim)
        else { return nil }
        return values
    }

    /// Counted as every image's first label (the prediction index alone) less those of the
    /// images that are not ok (few, found through the status index): joining every
    /// prediction to its image took 0.94 s at a million images, this 0.1 s.
    public func topClasses(modelID: Int64, limit: Int) throws(StoreError) -> [(index: Int, count: Int)] {
        var counts = [Int: Int]()
        // Kept as predictions are written (`label_tally`) where the index counts them.
        let sql = schema.recordsTallies
            ? "SELECT class_index, CAST(SUM(images) AS BIGINT) FROM label_tally WHERE model_id = ? GROUP BY class_index"
            : "SELECT class_index, COUNT(*) FROM prediction WHERE model_id = ? AND rank = 1 GROUP BY class_index"
        for row in try database.query(sql, [.integer(modelID)]) {
            if let index = row[0].integer, let count = row[1].integer { counts[Int(index)] = Int(count) }
        }
        // CROSS JOIN keeps SQLite's order: the few images that are not ok, then their labels.
        for row in try database.query(
            """
            SELECT prediction.class_index, COUNT(*) FROM image CROSS JOIN prediction
            WHERE prediction.image_id = image.id AND prediction.model_id = ? AND prediction.rank = 1
                AND image.status IN ('failed', 'missing')
            GROUP BY prediction.class_index
            """, [.integer(modelID)])
        {
            if let index = row[0].integer, let count = row[1].integer { counts[Int(index), default: 0] -= Int(count) }
        }
        return counts.filter { $0.value > 0 }.map { (index: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.index < $1.index }
            .prefix(limit).map { $0 }
    }

    @discardableResult
    public func exportRows(modelID: Int64, includeFeatures: Bool, _ body: (ExportRow) throws -> Void) throws -> Int {
        var count = 0
        var failure: Error?
        // Each row's predictions are read on the same connection while the rows stream.
        try database.scanRows(
            """
            SELECT image.id, \(database.dialect.absolutePath(root: "root.path", relative: "image.relative_path")),
                \(includeFeatures ? "feature.vector, gem.vector, rmac.vector" : "NULL, NULL, NULL")
            FROM image JOIN root ON root.id = image.root_id JOIN feature ON feature.image_id = image.id AND feature.model_id = ?
            \(includeFeatures ? """
                LEFT JOIN descriptor gem ON gem.image_id = image.id AND gem.model_id = feature.model_id AND gem.kind = 'gem'
                LEFT JOIN descriptor rmac ON rmac.image_id = image.id AND rmac.model_id = feature.model_id AND rmac.kind = 'rmac'
                """ : "")
            WHERE image.status = 'ok' ORDER BY 2
            """, [.integer(modelID)]
        ) { (row: SQLRow) throws(StoreError) -> Bool in
            let imageID = row.int64(0)
            let vector = { (column: Int) in row.blob(column).flatMap(FloatCodec.decode) ?? [] }
            let export = ExportRow(
                path: row.blob(1) ?? [],
                result: ImageResult(
                    top: try predictions(imageID: imageID, modelID: modelID).map { ($0.index, Float($0.probability)) },
                    features: vector(2), gem: vector(3), rmac: vector(4)))
            do {
                try body(export)
            } catch {
                failure = error
                return false
            }
            count += 1
            return true
        }
        if let failure { throw failure }
        return count
    }

    public func allPredictions(modelID: Int64) throws(StoreError) -> [Int64: [(index: Int, probability: Double)]] {
        var result = [Int64: [(index: Int, probability: Double)]]()
        try database.forEachRow(
            "SELECT image_id, class_index, probability FROM prediction WHERE model_id = ? ORDER BY image_id, rank", [.integer(modelID)]
        ) { (row: SQLRow) throws(StoreError) in
            result[row.int64(0), default: []].append((Int(row.int64(1)), row.double(2)))
        }
        return result
    }

    public func topFiveClasses(modelID: Int64, imageIDs: [Int64]?) throws(StoreError) -> [Int64: [Int]] {
        let select = "SELECT image_id, class_index FROM prediction WHERE model_id = ?"
        var rows = [[SQLValue]]()
        if let imageIDs {
            for start in stride(from: 0, to: imageIDs.count, by: 500) {
                let chunk = imageIDs[start..<min(start + 500, imageIDs.count)]
                rows += try database.query(
                    "\(select) AND image_id IN (\(SQLText.placeholders(chunk.count))) ORDER BY image_id, rank",
                    [.integer(modelID)] + chunk.map { .integer($0) })
            }
        } else {
            rows = try database.query("\(select) ORDER BY image_id, rank", [.integer(modelID)])
        }
        var result = [Int64: [Int]]()
        for row in rows {
            if let id = row[0].integer, let index = row[1].integer { result[id, default: []].append(Int(index)) }
        }
        return result
    }
}
