import VGGCommon
import VGGIndexTypes

/// Writes the result rows of many images at once: predictions, the feature vector, its code
/// and the pooled descriptors, one statement per table (or one for all on a server).
enum SQLResultRows {
    /// With `revisions`, the descriptors written carry the next revision (`SQLRevision`).
    static func store(
        _ results: [(imageID: Int64, result: ImageResult)], modelID: Int64, revisions: Bool, in database: any SQLDatabase
    ) throws(StoreError) {
        var predictions = [[SQLValue]]()
        var features = [[SQLValue]]()
        var codes = [[SQLValue]]()
        var descriptors = [[SQLValue]]()
        for (imageID, result) in results {
            let key: [SQLValue] = [.integer(imageID), .integer(modelID)]
            for (rank, entry) in result.top.prefix(5).enumerated() {
                predictions.append(key + [.integer(Int64(rank + 1)), .integer(Int64(entry.index)), .real(Double(entry.probability))])
            }
            features.append(key + [.integer(Int64(result.features.count)), .blob(FloatCodec.encode(result.features))])
            if let code = result.searchCode {
                codes.append(key + [.real(Double(code.scale)), .real(Double(code.error)), .blob(code.bytes)])
            }
            for kind in FeatureKind.pooled {
                let vector = result.vector(kind)
                guard !vector.isEmpty else { continue }
                descriptors.append(key + [.text(kind.rawValue), .integer(Int64(vector.count)), .blob(FloatCodec.encode(vector))])
            }
        }
        var descriptorHead = "INSERT INTO descriptor (image_id, model_id, kind, dim, vector) VALUES "
        var featureHead = "INSERT INTO feature (image_id, model_id, dim, vector) VALUES "
        var descriptorConflict = Self.descriptorConflict
        if revisions && !(descriptors.isEmpty && features.isEmpty) {
            let revision = try SQLRevision.next(in: database)
            descriptors = descriptors.map { $0 + [.integer(revision)] }
            features = features.map { $0 + [.integer(revision)] }
            descriptorHead = "INSERT INTO descriptor (image_id, model_id, kind, dim, vector, revision) VALUES "
            featureHead = "INSERT INTO feature (image_id, model_id, dim, vector, revision) VALUES "
            descriptorConflict += ", revision = excluded.revision"
        }
        let predictionHead = "INSERT INTO prediction (image_id, model_id, rank, class_index, probability) VALUES "
        let codeHead = "INSERT INTO feature_code (image_id, model_id, scale, error, code) VALUES "
        if database.dialect == .postgresql && results.count <= 256 {
            // A server answers each statement over the network: the inserts go as one
            // (PostgreSQL runs INSERTs inside WITH; SQLite does not).
            var sql = "WITH "
            if !predictions.isEmpty { sql += "p AS (\(predictionHead)\(SQLText.valueGroups(predictions))), " }
            if !descriptors.isEmpty { sql += "d AS (\(descriptorHead)\(SQLText.valueGroups(descriptors))\(descriptorConflict)), " }
            if codes.isEmpty {
                sql += "f AS (SELECT 1) \(featureHead)\(SQLText.valueGroups(features))"
            } else {
                sql += "f AS (\(featureHead)\(SQLText.valueGroups(features))) \(codeHead)\(SQLText.valueGroups(codes))\(codeConflict)"
            }
            try database.run(sql, (predictions + descriptors + features + codes).flatMap { $0 })
            return
        }
        _ = try insertRows(predictionHead, predictions, in: database)
        _ = try insertRows(featureHead, features, in: database)
        _ = try insertRows(codeHead, codes, returning: codeConflict, in: database)
        _ = try insertRows(descriptorHead, descriptors, returning: descriptorConflict, in: database)
    }

    /// A code replaces the image's code for the model.
    static let codeConflict = " ON CONFLICT (image_id, model_id) DO UPDATE SET scale = excluded.scale, error = excluded.error, code = excluded.code"
    /// A descriptor replaces the image's descriptor of its kind for the model.
    static let descriptorConflict = " ON CONFLICT (image_id, model_id, kind) DO UPDATE SET dim = excluded.dim, vector = excluded.vector"

    /// One multi-row INSERT (`head` ends with VALUES) per few thousand values, with `returning`
    /// (a conflict clause, or RETURNING) after each; the rows RETURNING returns.
    static func insertRows(
        _ head: String, _ rows: [[SQLValue]], returning: String = "", in database: any SQLDatabase
    ) throws(StoreError) -> [[SQLValue]] {
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
}
