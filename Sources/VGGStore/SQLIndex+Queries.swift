import VGGIndexTypes

extension SQLIndex {
    public func models() throws(StoreError) -> [StoredModel] {
        let location = recordsWeightsLocation ? "weights_path, weights_size, weights_mtime_ns" : "NULL, NULL, NULL"
        let base = recordsModelProvenance ? "convolution_base, precision" : "NULL, 'f32'"
        return try database.query(
            """
            SELECT model.id, weights_sha256, name, architecture, preprocessing, resize_policy, feature_dim,
                COALESCE(NULLIF((SELECT COUNT(*) FROM prediction WHERE prediction.model_id = model.id AND prediction.rank = 1), 0),
                    (SELECT COUNT(*) FROM feature WHERE feature.model_id = model.id)),
                \(location), \(base)
            FROM model ORDER BY model.id
            """, []
        ).compactMap { row in
            guard case .integer(let id) = row[0], case .text(let sha) = row[1], case .text(let architecture) = row[3],
                case .text(let preprocessing) = row[4], case .text(let resize) = row[5], case .integer(let dim) = row[6],
                case .integer(let count) = row[7]
            else { return nil }
            var name: String?
            if case .text(let text) = row[2] { name = text }
            var weightsPath: [UInt8]?
            if case .blob(let bytes) = row[8] { weightsPath = bytes }
            return StoredModel(
                id: id, weightsSHA256: sha, name: name, architecture: architecture, preprocessing: preprocessing,
                resizePolicy: resize, featureDimension: Int(dim), weightsPath: weightsPath,
                weightsSize: Self.int(row[9]).map(Int64.init), weightsModifiedNanoseconds: Self.int(row[10]).map(Int64.init),
                imageCount: Int(count), convolutionBase: row[11].text, precision: row[12].text ?? "f32")
        }
    }

    /// The model commands use unless told otherwise: the one with results for the most
    /// images; among equals, the one the last scan used, then the newest.
    public func defaultModel() throws(StoreError) -> StoredModel? {
        let all = try models()
        let latest = try latestModelID()
        return all.max { a, b in
            (a.imageCount, a.id == latest ? 1 : 0, a.id) < (b.imageCount, b.id == latest ? 1 : 0, b.id)
        }
    }

    /// The model with this id, or the default one when `id` is nil; nil when there is none.
    public func model(id: Int64?) throws(StoreError) -> StoredModel? {
        guard let id else { return try defaultModel() }
        return try models().first { $0.id == id }
    }

    /// The model of the most recent scan, or the newest model.
    public func latestModelID() throws(StoreError) -> Int64? {
        let rows = try database.query(
            "SELECT COALESCE((SELECT model_id FROM scan_run WHERE model_id IS NOT NULL ORDER BY id DESC LIMIT 1), (SELECT MAX(id) FROM model))", [])
        if let row = rows.first, case .integer(let id) = row[0] { return id }
        return nil
    }

    public func rootStatuses() throws(StoreError) -> [RootStatus] {
        try database.query(
            """
            SELECT root.path, SUM(CASE WHEN image.status = 'ok' THEN 1 ELSE 0 END), SUM(CASE WHEN image.status = 'failed' THEN 1 ELSE 0 END),
                SUM(CASE WHEN image.status = 'missing' THEN 1 ELSE 0 END), root.id
            FROM root LEFT JOIN image ON image.root_id = root.id GROUP BY root.id, root.path ORDER BY root.path
            """, []
        ).compactMap { row in
            guard case .blob(let path) = row[0], case .integer(let id) = row[4] else { return nil }
            func count(_ value: SQLValue) -> Int { if case .integer(let n) = value { return Int(n) } else { return 0 } }
            return RootStatus(id: id, path: path, ok: count(row[1]), failed: count(row[2]), missing: count(row[3]))
        }
    }

    /// Failed files with their reasons, by path.
    public func failures() throws(StoreError) -> [(path: [UInt8], reason: String)] {
        try database.query(
            """
            SELECT \(database.dialect.absolutePath(root: "root.path", relative: "image.relative_path")), COALESCE(image.failure_reason, '')
            FROM image JOIN root ON root.id = image.root_id WHERE image.status = 'failed' ORDER BY 1
            """, []
        ).compactMap { row in
            guard case .blob(let path) = row[0], case .text(let reason) = row[1] else { return nil }
            return (path, reason)
        }
    }

    /// The most frequent top-1 classes for a model: (class index, images), most first.
    public func topClasses(modelID: Int64, limit: Int) throws(StoreError) -> [(index: Int, count: Int)] {
        try database.query(
            """
            SELECT prediction.class_index, COUNT(*) FROM prediction JOIN image ON image.id = prediction.image_id
            WHERE prediction.model_id = ? AND prediction.rank = 1 AND image.status = 'ok'
            GROUP BY prediction.class_index ORDER BY 2 DESC, 1 LIMIT ?
            """, [.integer(modelID), .integer(Int64(limit))]
        ).compactMap { row in
            guard case .integer(let index) = row[0], case .integer(let count) = row[1] else { return nil }
            return (Int(index), Int(count))
        }
    }

    /// The last scan run: when it started and finished, and how it ended. A run recorded as
    /// running while no scan holds the lock was left by a process that died: interrupted.
    public func lastRun() throws(StoreError) -> RunRecord? {
        guard let row = try database.query("SELECT started_at, finished_at, status FROM scan_run ORDER BY id DESC LIMIT 1", []).first,
            case .text(let started) = row[0], case .text(var status) = row[2]
        else { return nil }
        var finished: String?
        if case .text(let text) = row[1] { finished = text }
        if status == "running" && !scanMayBeRunning() { status = "interrupted" }
        return RunRecord(started: started, finished: finished, status: status)
    }

    /// The row for an absolute path, found through the root that contains it.
    public func details(absolutePath: [UInt8]) throws(StoreError) -> ImageDetails? {
        let roots = try database.query("SELECT id, path FROM root", [])
        for root in roots {
            guard case .integer(let rootID) = root[0], case .blob(let rootPath) = root[1] else { continue }
            let prefix = rootPath + [UInt8(ascii: "/")]
            guard absolutePath.starts(with: prefix) else { continue }
            let relative = Array(absolutePath[prefix.count...])
            let rows = try database.query(
                """
                SELECT image.id, image.root_id, root.path, image.relative_path, image.size, image.mtime_ns, image.inode, image.device,
                    image.fingerprint, image.status, 0, image.width, image.height, image.failure_reason, image.first_seen, image.last_seen
                FROM image JOIN root ON root.id = image.root_id WHERE image.root_id = ? AND image.relative_path = ?
                """, [.integer(rootID), .blob(relative)])
            guard let row = rows.first, let image = Self.storedImage(Array(row[0..<11])) else { continue }
            var details = ImageDetails(
                image: image, width: Self.int(row[11]), height: Self.int(row[12]), failureReason: Self.text(row[13]),
                firstSeen: Self.text(row[14]) ?? "", lastSeen: Self.text(row[15]) ?? "", results: [])
            for model in try models() {
                let top = try predictions(imageID: image.id, modelID: model.id)
                let features = try features(imageID: image.id, modelID: model.id)
                if !top.isEmpty || features != nil { details.results.append((model.id, top, features)) }
            }
            return details
        }
        return nil
    }

    /// Rank-ordered predictions of one image for one model.
    public func predictions(imageID: Int64, modelID: Int64) throws(StoreError) -> [(index: Int, probability: Double)] {
        try database.query(
            "SELECT class_index, probability FROM prediction WHERE image_id = ? AND model_id = ? ORDER BY rank",
            [.integer(imageID), .integer(modelID)]
        ).compactMap { row in
            guard case .integer(let index) = row[0], case .real(let probability) = row[1] else { return nil }
            return (Int(index), probability)
        }
    }

    /// The stored feature vector, checked against its recorded dimension.
    public func features(imageID: Int64, modelID: Int64) throws(StoreError) -> [Float]? {
        guard let row = try database.query(
            "SELECT dim, vector FROM feature WHERE image_id = ? AND model_id = ?", [.integer(imageID), .integer(modelID)]).first,
            case .integer(let dim) = row[0], case .blob(let bytes) = row[1], let values = FeatureCodec.decode(bytes), values.count == Int(dim)
        else { return nil }
        return values
    }

    /// Every image with results for `modelID`, by path, calling `body` row by row (no full
    /// list in memory). Returns the number of rows.
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
            let export = ExportRow(
                path: row.blob(1) ?? [], top: try predictions(imageID: imageID, modelID: modelID),
                features: includeFeatures ? row.blob(2).flatMap(FeatureCodec.decode) : nil,
                gem: includeFeatures ? row.blob(3).flatMap(FeatureCodec.decode) : nil,
                rmac: includeFeatures ? row.blob(4).flatMap(FeatureCodec.decode) : nil)
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

    /// Every image's stored predictions for a model, best first, in one pass.
    public func allPredictions(modelID: Int64) throws(StoreError) -> [Int64: [(index: Int, probability: Double)]] {
        var result = [Int64: [(index: Int, probability: Double)]]()
        try database.forEachRow(
            "SELECT image_id, class_index, probability FROM prediction WHERE model_id = ? ORDER BY image_id, rank", [.integer(modelID)]
        ) { (row: SQLRow) throws(StoreError) in
            result[row.int64(0), default: []].append((Int(row.int64(1)), row.double(2)))
        }
        return result
    }

    /// Deletes rows marked missing (and, through the foreign keys, their results).
    public func pruneMissing() throws(StoreError) -> Int {
        return try database.run("DELETE FROM image WHERE status = 'missing'", [])
    }

    static func int(_ value: SQLValue) -> Int? { if case .integer(let n) = value { return Int(n) } else { return nil } }
    static func text(_ value: SQLValue) -> String? { if case .text(let t) = value { return t } else { return nil } }
}
