/// A model's stored search basis.
public struct StoredBasis: Sendable {
    public var rank: Int
    public var dimension: Int
    public var rows: [Float]
    public var sampleCount: Int

    public init(rank: Int, dimension: Int, rows: [Float], sampleCount: Int) {
        self.rank = rank
        self.dimension = dimension
        self.rows = rows
        self.sampleCount = sampleCount
    }
}

/// What `similar` and `duplicates` load for one model, rows sorted by path.
public struct SearchData: Sendable {
    public var imageIDs: [Int64]
    public var paths: [[UInt8]]
    public var fingerprints: [[UInt8]?]
    /// rows × rank, contiguous.
    public var coordinates: [Float]
    public var residuals: [Float]
    public var rank: Int
}

extension IndexDatabase {
    /// Images with features for the model.
    public func featureCount(modelID: Int64) throws(StoreError) -> Int {
        let rows = try connection.query("SELECT COUNT(*) FROM feature WHERE model_id = ?", [.integer(modelID)])
        if case .integer(let n)? = rows.first?.first { return Int(n) }
        return 0
    }

    /// Up to `limit` feature vectors spread evenly over the model's images (for learning a basis).
    public func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]] {
        let total = try featureCount(modelID: modelID)
        guard total > 0 else { return [] }
        let step = max(1, total / max(limit, 1))
        return try connection.query(
            """
            SELECT vector FROM (SELECT vector, ROW_NUMBER() OVER (ORDER BY image_id) AS n FROM feature WHERE model_id = ?)
            WHERE (n - 1) % ? = 0 LIMIT ?
            """, [.integer(modelID), .integer(Int64(step)), .integer(Int64(limit))]
        ).compactMap { row in
            if case .blob(let bytes) = row[0] { return FeatureCodec.decode(bytes) }
            return nil
        }
    }

    public func basis(modelID: Int64) throws(StoreError) -> StoredBasis? {
        guard let row = try connection.query(
            "SELECT rank, dim, rows, sample_count FROM feature_basis WHERE model_id = ?", [.integer(modelID)]).first,
            case .integer(let rank) = row[0], case .integer(let dim) = row[1], case .blob(let bytes) = row[2],
            case .integer(let samples) = row[3], let rows = FeatureCodec.decode(bytes), rows.count == Int(rank * dim)
        else { return nil }
        return StoredBasis(rank: Int(rank), dimension: Int(dim), rows: rows, sampleCount: Int(samples))
    }

    /// Replaces the model's basis; its old projections no longer apply and are removed.
    public func replaceBasis(modelID: Int64, _ basis: StoredBasis) throws(StoreError) {
        try connection.run("DELETE FROM feature_projection WHERE model_id = ?", [.integer(modelID)])
        try connection.run("DELETE FROM feature_basis WHERE model_id = ?", [.integer(modelID)])
        try connection.run(
            "INSERT INTO feature_basis (model_id, rank, dim, rows, sample_count, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(modelID), .integer(Int64(basis.rank)), .integer(Int64(basis.dimension)), .blob(FeatureCodec.encode(basis.rows)),
             .integer(Int64(basis.sampleCount)), .text(Self.now())])
    }

    /// Up to `limit` images that have features but no projection yet: (image id, vector).
    public func featuresWithoutProjection(modelID: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
        try connection.query(
            """
            SELECT feature.image_id, feature.vector FROM feature
            LEFT JOIN feature_projection p ON p.image_id = feature.image_id AND p.model_id = feature.model_id
            WHERE feature.model_id = ? AND p.image_id IS NULL ORDER BY feature.image_id LIMIT ?
            """, [.integer(modelID), .integer(Int64(limit))]
        ).compactMap { row in
            guard case .integer(let id) = row[0], case .blob(let bytes) = row[1], let vector = FeatureCodec.decode(bytes) else { return nil }
            return (id, vector)
        }
    }

    public func storeProjection(imageID: Int64, modelID: Int64, coordinates: [Float], residual: Float) throws(StoreError) {
        try runCached(
            "INSERT OR REPLACE INTO feature_projection (image_id, model_id, coordinates, residual) VALUES (?, ?, ?, ?)",
            [.integer(imageID), .integer(modelID), .blob(FeatureCodec.encode(coordinates)), .real(Double(residual))])
    }

    /// Search data for every image with status ok and a projection for the model, by path.
    public func searchData(modelID: Int64, rank: Int) throws(StoreError) -> SearchData {
        let statement = try connection.prepare(
            """
            SELECT image.id, CAST(root.path || X'2F' || image.relative_path AS BLOB), image.fingerprint, p.coordinates, p.residual
            FROM feature_projection p JOIN image ON image.id = p.image_id JOIN root ON root.id = image.root_id
            WHERE p.model_id = ? AND image.status = 'ok' ORDER BY 2
            """)
        try statement.bind(1, .integer(modelID))
        var data = SearchData(imageIDs: [], paths: [], fingerprints: [], coordinates: [], residuals: [], rank: rank)
        while try statement.step() {
            guard let bytes = statement.blob(3), bytes.count == 4 * rank, let coordinates = FeatureCodec.decode(bytes) else { continue }
            data.imageIDs.append(statement.int64(0))
            data.paths.append(statement.blob(1) ?? [])
            data.fingerprints.append(statement.blob(2))
            data.coordinates.append(contentsOf: coordinates)
            data.residuals.append(Float(statement.double(4)))
        }
        return data
    }

    /// Full feature vectors of these images for the model, in the order asked (nil where absent).
    public func features(imageIDs: [Int64], modelID: Int64) throws(StoreError) -> [[Float]?] {
        var found = [Int64: [Float]]()
        for start in stride(from: 0, to: imageIDs.count, by: 500) {
            let chunk = Array(imageIDs[start..<min(start + 500, imageIDs.count)])
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try connection.query(
                "SELECT image_id, vector FROM feature WHERE model_id = ? AND image_id IN (\(placeholders))",
                [.integer(modelID)] + chunk.map { .integer($0) })
            for row in rows {
                if case .integer(let id) = row[0], case .blob(let bytes) = row[1] { found[id] = FeatureCodec.decode(bytes) }
            }
        }
        return imageIDs.map { found[$0] }
    }

    /// Class indices of the top-5 predictions of each image (for label filters), or of the
    /// given images only.
    public func topFiveClasses(modelID: Int64, imageIDs: [Int64]? = nil) throws(StoreError) -> [Int64: [Int]] {
        var result = [Int64: [Int]]()
        var rows = [[SQLiteValue]]()
        if let imageIDs {
            for start in stride(from: 0, to: imageIDs.count, by: 500) {
                let chunk = imageIDs[start..<min(start + 500, imageIDs.count)]
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                rows += try connection.query(
                    "SELECT image_id, class_index FROM prediction WHERE model_id = ? AND image_id IN (\(placeholders)) ORDER BY image_id, rank",
                    [.integer(modelID)] + chunk.map { .integer($0) })
            }
        } else {
            rows = try connection.query(
                "SELECT image_id, class_index FROM prediction WHERE model_id = ? ORDER BY image_id, rank", [.integer(modelID)])
        }
        for row in rows {
            if case .integer(let id) = row[0], case .integer(let index) = row[1] { result[id, default: []].append(Int(index)) }
        }
        return result
    }

    /// The id of the ok image at an absolute path, if indexed.
    public func imageID(absolutePath: [UInt8]) throws(StoreError) -> Int64? {
        try details(absolutePath: absolutePath).flatMap { $0.image.status == "ok" ? $0.image.id : nil }
    }
}
