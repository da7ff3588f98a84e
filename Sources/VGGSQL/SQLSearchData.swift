import VGGCommon
import VGGIndexTypes

/// The search data of each model: the feature vectors and descriptors as a search streams
/// them, and the compact forms kept beside them (int8 codes, a basis and its projections),
/// which the writer computes and hands over.
public final class SQLSearchData: SearchData, SearchDataWriter {
    private let database: any SQLDatabase
    private let schema: SQLSchema

    init(database: any SQLDatabase, schema: SQLSchema) {
        self.database = database
        self.schema = schema
    }

    /// The stored vectors of `kind` ("feature", or a descriptor kind) of the model: kept as
    /// they are written (`vector_tally`) where the index counts them, else counted.
    private func vectorCount(modelID: Int64, kind: String) throws(StoreError) -> Int {
        let sql: String
        var values: [SQLValue] = [.integer(modelID)]
        if schema.recordsTallies {
            sql = "SELECT CAST(COALESCE(SUM(vectors), 0) AS BIGINT) FROM vector_tally WHERE model_id = ? AND kind = ?"
            values.append(.text(kind))
        } else if kind == "feature" {
            sql = "SELECT COUNT(*) FROM feature WHERE model_id = ?"
        } else {
            sql = "SELECT COUNT(*) FROM descriptor WHERE model_id = ? AND kind = ?"
            values.append(.text(kind))
        }
        guard case .integer(let count)? = try database.query(sql, values).first?.first else { return 0 }
        return Int(count)
    }

    /// Images with features for the model.
    public func featureCount(modelID: Int64) throws(StoreError) -> Int { try vectorCount(modelID: modelID, kind: "feature") }

    /// Up to `limit` feature vectors spread evenly over the model's images (for learning a basis).
    public func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]] {
        let total = try featureCount(modelID: modelID)
        guard total > 0 else { return [] }
        let step = max(1, total / max(limit, 1))
        return try database.query(
            """
            SELECT vector FROM (SELECT vector, ROW_NUMBER() OVER (ORDER BY image_id) AS n FROM feature WHERE model_id = ?) numbered
            WHERE (n - 1) % ? = 0 LIMIT ?
            """, [.integer(modelID), .integer(Int64(step)), .integer(Int64(limit))]
        ).compactMap { row in
            if case .blob(let bytes) = row[0] { return FloatCodec.decode(bytes) }
            return nil
        }
    }

    public func basis(modelID: Int64) throws(StoreError) -> StoredBasis? {
        guard let row = try database.query(
            "SELECT rank, dim, rows, sample_count FROM feature_basis WHERE model_id = ?", [.integer(modelID)]).first,
            case .integer(let rank) = row[0], case .integer(let dim) = row[1], case .blob(let bytes) = row[2],
            case .integer(let samples) = row[3], let rows = FloatCodec.decode(bytes), rows.count == Int(rank * dim)
        else { return nil }
        return StoredBasis(rank: Int(rank), dimension: Int(dim), rows: rows, sampleCount: Int(samples))
    }

    /// Replaces the model's basis; its old projections no longer apply and are removed.
    public func replaceBasis(modelID: Int64, _ basis: StoredBasis) throws(StoreError) {
        try database.writeTransaction { () throws(StoreError) in try replace(modelID: modelID, basis) }
    }

    private func replace(modelID: Int64, _ basis: StoredBasis) throws(StoreError) {
        try database.run("DELETE FROM feature_projection WHERE model_id = ?", [.integer(modelID)])
        try database.run("DELETE FROM feature_basis WHERE model_id = ?", [.integer(modelID)])
        try database.run(
            "INSERT INTO feature_basis (model_id, rank, dim, rows, sample_count, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(modelID), .integer(Int64(basis.rank)), .integer(Int64(basis.dimension)), .blob(FloatCodec.encode(basis.rows)),
             .integer(Int64(basis.sampleCount)), .text(SQLClock.now())])
    }

    /// Up to `limit` images that have features but no projection yet: (image id, vector).
    public func featuresWithoutProjection(modelID: Int64, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
        try features(modelID: modelID, missingFrom: "feature_projection", after: after, limit: limit)
    }

    /// Up to `limit` images with ids above `after` that have features but no row in `table`
    /// (a per-image, per-model table of derived search data), by image id: a range of the
    /// feature table's key, so that walking them all reads each row once (without `after`,
    /// every batch stepped over all the rows filled before it: quadratic, still running
    /// after 12 minutes at two million images).
    private func features(modelID: Int64, missingFrom table: String, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
        try database.query(
            """
            SELECT feature.image_id, feature.vector FROM feature
            LEFT JOIN \(table) derived ON derived.image_id = feature.image_id AND derived.model_id = feature.model_id
            WHERE feature.image_id > ? AND feature.model_id = ? AND derived.image_id IS NULL ORDER BY feature.image_id LIMIT ?
            """, [.integer(after), .integer(modelID), .integer(Int64(limit))]
        ).compactMap { row in
            guard case .integer(let id) = row[0], case .blob(let bytes) = row[1], let vector = FloatCodec.decode(bytes) else { return nil }
            return (id, vector)
        }
    }

    private func storeProjection(imageID: Int64, modelID: Int64, coordinates: [Float], residual: Float) throws(StoreError) {
        try database.run(
            """
            INSERT INTO feature_projection (image_id, model_id, coordinates, residual) VALUES (?, ?, ?, ?)
            ON CONFLICT (image_id, model_id) DO UPDATE SET coordinates = excluded.coordinates, residual = excluded.residual
            """,
            [.integer(imageID), .integer(modelID), .blob(FloatCodec.encode(coordinates)), .real(Double(residual))])
    }

    /// Every ok image with a feature vector for the model, sorted by path.
    public func searchRows(modelID: Int64) throws(StoreError) -> SearchRows {
        try searchRows(
            from: "feature JOIN image ON image.id = feature.image_id JOIN root ON root.id = image.root_id",
            where: "feature.model_id = ?", [.integer(modelID)])
    }

    /// Every ok image with a descriptor of `kind` for the model, sorted by path.
    public func searchRows(modelID: Int64, descriptor kind: FeatureKind) throws(StoreError) -> SearchRows {
        try searchRows(
            from: "descriptor JOIN image ON image.id = descriptor.image_id JOIN root ON root.id = image.root_id",
            where: "descriptor.model_id = ? AND descriptor.kind = ?", [.integer(modelID), .text(kind.rawValue)])
    }

    /// Every row's exact cosine with the unit `query` from its descriptor of `kind`, summed in
    /// Double straight from the stored bytes as the rows stream past.
    public func descriptorScores(modelID: Int64, kind: FeatureKind, rows: SearchRows, query: [Float]) throws(StoreError) -> [Float] {
        var scores = [Float](repeating: 0, count: rows.count)
        let q = query.map(Double.init)
        try forEachDescriptor(modelID: modelID, kind: kind, rows: rows, dimension: query.count) { row, bytes in
            var dot = 0.0
            var norm = 0.0
            for i in q.indices {
                let v = Double(FloatCodec.value(bytes, at: i))
                dot += v * q[i]
                norm += v * v
            }
            scores[row] = norm > 0 ? Float(dot / norm.squareRoot()) : 0
        }
        return scores
    }

    /// Every row's descriptor of `kind`, in one pass, scaled to unit length as the exact
    /// verification sees it; a row without one (deleted meanwhile) stays zero.
    public func descriptors(modelID: Int64, kind: FeatureKind, rows: SearchRows, dimension: Int) throws(StoreError) -> [Float] {
        var result = [Float](repeating: 0, count: rows.count * dimension)
        try forEachDescriptor(modelID: modelID, kind: kind, rows: rows, dimension: dimension) { row, bytes in
            var vector = (0..<dimension).map { FloatCodec.value(bytes, at: $0) }
            if !UnitVector.normalise(&vector) { vector = [Float](repeating: 0, count: dimension) }
            result.replaceSubrange((row * dimension)..<((row + 1) * dimension), with: vector)
        }
        return result
    }

    /// Streams the stored descriptors of `kind` of the search rows: `body(row, bytes)` with the
    /// vector's `dimension` little-endian float32 values lent in place (read with `FloatCodec.value`).
    private func forEachDescriptor(
        modelID: Int64, kind: FeatureKind, rows: SearchRows, dimension: Int, _ body: (_ row: Int, _ bytes: UnsafeRawBufferPointer) -> Void
    ) throws(StoreError) {
        try database.forEachRow(
            "SELECT image_id, vector FROM descriptor WHERE model_id = ? AND kind = ?", [.integer(modelID), .text(kind.rawValue)]
        ) { (row: SQLRow) throws(StoreError) in
            guard let index = rows.rowOf[row.int64(0)] else { return }
            let read = row.withBlob(1) { bytes -> Bool in
                guard bytes.count == 4 * dimension else { return false }
                body(index, bytes)
                return true
            }
            guard read else { throw .corrupt(path: database.location, reason: "a \(kind.rawValue) descriptor that is not \(dimension) floats") }
        }
    }

    /// How many ok images have a feature vector for the model but no descriptor of `kind`.
    public func imagesWithoutDescriptor(modelID: Int64, kind: FeatureKind) throws(StoreError) -> Int {
        // Descriptors are only ever written with the feature vector of the same image, so as
        // many of them as feature rows means none is lacking: two counts kept as rows are
        // written (two counts on indexes before: 0.1 s at a million images, where the search
        // below takes 0.36 s).
        if try vectorCount(modelID: modelID, kind: kind.rawValue) >= vectorCount(modelID: modelID, kind: "feature") { return 0 }
        let rows = try database.query(
            """
            SELECT COUNT(*) FROM feature JOIN image ON image.id = feature.image_id
            WHERE feature.model_id = ? AND image.status = 'ok' AND NOT EXISTS (
                SELECT 1 FROM descriptor WHERE descriptor.image_id = feature.image_id AND descriptor.model_id = feature.model_id
                    AND descriptor.kind = ?)
            """, [.integer(modelID), .text(kind.rawValue)])
        guard case .integer(let count)? = rows.first?.first else { return 0 }
        return Int(count)
    }

    /// Descriptors of `kind` of these images, in the order asked (nil where absent).
    public func descriptors(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [[Float]?] {
        try vectors(imageIDs: imageIDs, from: "descriptor", where: "model_id = ? AND kind = ?", [.integer(modelID), .text(kind.rawValue)])
    }

    /// The `vector` column of `table` for these images (rows matching `condition`), in the
    /// order asked, a few hundred images per statement.
    private func vectors(imageIDs: [Int64], from table: String, where condition: String, _ values: [SQLValue]) throws(StoreError) -> [[Float]?] {
        var found = [Int64: [Float]]()
        for start in stride(from: 0, to: imageIDs.count, by: 500) {
            let chunk = Array(imageIDs[start..<min(start + 500, imageIDs.count)])
            let rows = try database.query(
                "SELECT image_id, vector FROM \(table) WHERE \(condition) AND image_id IN (\(SQLText.placeholders(chunk.count)))", values + chunk.map { .integer($0) })
            for row in rows {
                if case .integer(let id) = row[0], case .blob(let bytes) = row[1] { found[id] = FloatCodec.decode(bytes) }
            }
        }
        return imageIDs.map { found[$0] }
    }

    /// The search rows of a join (`from` has image and root), sorted by path.
    private func searchRows(from: String, where condition: String, _ values: [SQLValue]) throws(StoreError) -> SearchRows {
        var ids = [Int64]()
        var paths = [[UInt8]]()
        var fingerprints = [[UInt8]?]()
        try database.forEachRow(
            """
            SELECT image.id, root.path, image.relative_path, image.fingerprint FROM \(from)
            WHERE \(condition) AND image.status = 'ok'
            """, values
        ) { (row: SQLRow) throws(StoreError) in
            ids.append(row.int64(0))
            paths.append(PathBytes.join(row.blob(1) ?? [], row.blob(2) ?? []))
            fingerprints.append(row.blob(3))
        }
        // Sorted here rather than by SQL, which would sort the whole joined rows.
        let order = paths.indices.sorted { paths[$0].lexicographicallyPrecedes(paths[$1]) }
        var rows = SearchRows()
        rows.imageIDs = order.map { ids[$0] }
        rows.paths = order.map { paths[$0] }
        rows.fingerprints = order.map { fingerprints[$0] }
        rows.rowOf.reserveCapacity(order.count)
        for (row, id) in rows.imageIDs.enumerated() { rows.rowOf[id] = row }
        return rows
    }

    /// Every row's code passed to `score` (code bytes, scale) in one pass over the stored
    /// codes, with no copy; rows without a valid stored code are listed in `missing`, for the
    /// search to code from their float32 vectors. The codes are never held: memory is two
    /// floats a row.
    public func searchEstimates(
        modelID: Int64, rows: SearchRows, dimension: Int, score: (_ code: UnsafeRawBufferPointer, _ scale: Float) -> Float
    ) throws(StoreError) -> SearchEstimates {
        var result = SearchEstimates(
            estimates: [Float](repeating: 0, count: rows.count), errors: [Float](repeating: 0, count: rows.count))
        var filled = [Bool](repeating: false, count: rows.count)
        try database.forEachRow("SELECT image_id, scale, error, code FROM feature_code WHERE model_id = ?", [.integer(modelID)]) {
            (stored: SQLRow) throws(StoreError) in
            guard let row = rows.rowOf[stored.int64(0)] else { return }
            let scale = Float(stored.double(1))
            let error = Float(stored.double(2))
            guard scale.isFinite, error.isFinite, scale >= 0, error >= 0 else { return }
            let estimate = stored.withBlob(3) { bytes -> Float? in bytes.count == dimension ? score(bytes, scale) : nil }
            if let estimate {
                result.estimates[row] = estimate
                result.errors[row] = error
                filled[row] = true
            }
        }
        result.missing = filled.indices.filter { !filled[$0] }
        return result
    }

    /// The basis coordinates of `rows`, read in one pass; rows without one are listed.
    public func searchProjections(modelID: Int64, rows: SearchRows, rank: Int) throws(StoreError) -> SearchProjections {
        var result = SearchProjections(
            rank: rank, coordinates: [Float](repeating: 0, count: rows.count * rank),
            residuals: [Float](repeating: 0, count: rows.count), missing: [])
        var filled = [Bool](repeating: false, count: rows.count)
        var failure: StoreError?
        result.coordinates.withUnsafeMutableBufferPointer { coordinates in
            do throws(StoreError) {
                try database.forEachRow(
                    "SELECT image_id, residual, coordinates FROM feature_projection WHERE model_id = ?", [.integer(modelID)]
                ) { (stored: SQLRow) throws(StoreError) in
                    guard let row = rows.rowOf[stored.int64(0)] else { return }
                    let residual = Float(stored.double(1))
                    let copied = stored.withBlob(2) { bytes -> Bool in
                        guard bytes.count == 4 * rank, residual.isFinite, residual >= 0 else { return false }
                        // The row's slot of rank floats, as many as the blob holds.
                        FloatCodec.decode(bytes, into: UnsafeMutableBufferPointer(rebasing: coordinates[(row * rank)..<((row + 1) * rank)]))
                        return true
                    }
                    if copied {
                        result.residuals[row] = residual
                        filled[row] = true
                    }
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        result.missing = filled.indices.filter { !filled[$0] }
        return result
    }

    /// Stores the int8 code of an image's feature vector (replacing any).
    private func storeCode(_ code: FeatureCode, imageID: Int64, modelID: Int64) throws(StoreError) {
        try database.run(
            """
            INSERT INTO feature_code (image_id, model_id, scale, error, code) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (image_id, model_id) DO UPDATE SET scale = excluded.scale, error = excluded.error, code = excluded.code
            """,
            [.integer(imageID), .integer(modelID), .real(Double(code.scale)), .real(Double(code.error)), .blob(code.bytes)])
    }

    /// Up to `limit` images that have features but no code yet (indexes from before codes).
    public func featuresWithoutCode(modelID: Int64, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
        try features(modelID: modelID, missingFrom: "feature_code", after: after, limit: limit)
    }

    /// Full feature vectors of these images for the model, in the order asked (nil where absent).
    public func features(imageIDs: [Int64], modelID: Int64) throws(StoreError) -> [[Float]?] {
        try vectors(imageIDs: imageIDs, from: "feature", where: "model_id = ?", [.integer(modelID)])
    }

    public func storeCodes(_ codes: [(imageID: Int64, code: FeatureCode)], modelID: Int64) throws(StoreError) {
        try database.writeTransaction { () throws(StoreError) in
            for item in codes { try storeCode(item.code, imageID: item.imageID, modelID: modelID) }
        }
    }

    public func storeProjections(_ rows: [(imageID: Int64, coordinates: [Float], residual: Float)], modelID: Int64) throws(StoreError) {
        try database.writeTransaction { () throws(StoreError) in
            for row in rows { try storeProjection(imageID: row.imageID, modelID: modelID, coordinates: row.coordinates, residual: row.residual) }
        }
    }

    /// Every stored code of the model, row by row: (image id, scale, error, code bytes).
    public func forEachCode(modelID: Int64, _ body: (Int64, Float, Float, UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        try database.forEachRow("SELECT image_id, scale, error, code FROM feature_code WHERE model_id = ?", [.integer(modelID)]) {
            (row: SQLRow) throws(StoreError) in
            let (id, scale, error) = (row.int64(0), Float(row.double(1)), Float(row.double(2)))
            row.withBlob(3) { body(id, scale, error, $0) }
        }
    }

    /// Every feature vector of the model, row by row: (image id, vector).
    public func forEachFeature(modelID: Int64, _ body: (Int64, [Float]) -> Void) throws(StoreError) {
        try database.forEachRow("SELECT image_id, vector FROM feature WHERE model_id = ?", [.integer(modelID)]) {
            (row: SQLRow) throws(StoreError) in
            if let vector = row.blob(1).flatMap(FloatCodec.decode) { body(row.int64(0), vector) }
        }
    }
}
