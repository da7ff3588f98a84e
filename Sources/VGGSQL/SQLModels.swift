import VGGCommon
import VGGIndexTypes

/// The model table: which weights, preprocessing and resize policy each result was computed
/// with, and where the weights were last found.
public final class SQLModels: ModelRegistry {
    private let database: any SQLDatabase
    private let schema: SQLSchema

    init(database: any SQLDatabase, schema: SQLSchema) {
        self.database = database
        self.schema = schema
    }

    public func all() throws(StoreError) -> [StoredModel] { try models(counting: true) }

    /// Every model, with its images counted unless `counting` is false (then 0).
    private func models(counting: Bool) throws(StoreError) -> [StoredModel] {
        let location = schema.recordsWeightsLocation ? "weights_path, weights_size, weights_mtime_ns" : "NULL, NULL, NULL"
        let base = schema.recordsModelProvenance ? "convolution_base, precision" : "NULL, 'f32'"
        let color = schema.recordsFormatAndColor ? "color" : "NULL"
        var models = [StoredModel]()
        for row in try database.query(
            """
            SELECT model.id, weights_sha256, name, architecture, preprocessing, resize_policy, feature_dim,
                \(counting ? (schema.recordsTallies ? Self.talliedImageCount : Self.imageCount) : "0"),
                \(location), \(base), \(color)
            FROM model ORDER BY model.id
            """, [])
        {
            guard let id = row[0].integer, let sha = row[1].text, let dim = row[6].integer, let count = row[7].integer else { continue }
            let registration = ModelRegistration(
                weightsSHA256: sha, name: row[2].text,
                architecture: try parsed(row[3], of: id, "architecture", VGGArchitecture.init(metadataValue:)),
                preprocessing: try parsed(row[4], of: id, "preprocessing", Preprocessing.init(rawValue:)),
                resizePolicy: try parsed(row[5], of: id, "resize policy", ResizePolicy.init(rawValue:)),
                featureDimension: Int(dim), convolutionBase: row[11].text, precision: row[12] == .null ? .f32 : try parsed(row[12], of: id, "precision", ComputePrecision.init(rawValue:)),
                // Models recorded before colour profiles were read took the numbers as stored.
                color: row[13] == .null ? .asStored : try parsed(row[13], of: id, "colour handling", ColorHandling.init(rawValue:)))
            let location = row[8].blob.map { WeightsLocation(path: $0, size: row[9].integer ?? 0, mtimeNanoseconds: row[10].integer ?? 0) }
            models.append(StoredModel(id: id, registration: registration, weights: location, imageCount: Int(count)))
        }
        return models
    }

    /// A model column read into its type; a value vggbatch does not know is named in the error.
    private func parsed<T>(_ value: SQLValue, of id: Int64, _ column: String, _ parse: (String) -> T?) throws(StoreError) -> T {
        guard let text = value.text, let parsed = parse(text) else {
            throw .corrupt(path: database.location, reason: "model \(id) has the \(column) \"\(value.text ?? "NULL")\", which vggbatch does not know")
        }
        return parsed
    }

    /// The images with the model's results, as SQL over a `model` row, from the counts kept
    /// as rows are written (a few rows, not a pass; `imageCount` without them).
    private static let talliedImageCount = """
        CAST(COALESCE(NULLIF((SELECT COALESCE(SUM(images), 0) FROM label_tally WHERE label_tally.model_id = model.id), 0),
            (SELECT COALESCE(SUM(vectors), 0) FROM vector_tally WHERE vector_tally.model_id = model.id AND vector_tally.kind = 'feature')) AS BIGINT)
        """

    /// The same, counting the rows (an index from before the counts were kept).
    private static let imageCount = """
        COALESCE(NULLIF((SELECT COUNT(*) FROM prediction WHERE prediction.model_id = model.id AND prediction.rank = 1), 0),
            (SELECT COUNT(*) FROM feature WHERE feature.model_id = model.id))
        """

    /// The only model of an index with one is the default without counting its images (which
    /// stays 0: a pass over a million prediction rows is most of a fast search's time).
    public func defaultModel() throws(StoreError) -> StoredModel? {
        let uncounted = try models(counting: false)
        if uncounted.count <= 1 { return uncounted.first }
        let all = try all()
        let latest = try latestModelID()
        return all.max { a, b in
            (a.imageCount, a.id == latest ? 1 : 0, a.id) < (b.imageCount, b.id == latest ? 1 : 0, b.id)
        }
    }

    /// The model `id` without counting its images (`imageCount` 0: `all()` counts them),
    /// or the default one.
    public func model(id: Int64?) throws(StoreError) -> StoredModel? {
        guard let id else { return try defaultModel() }
        return try models(counting: false).first { $0.id == id }
    }

    /// The model of the most recent scan, or the newest model.
    private func latestModelID() throws(StoreError) -> Int64? {
        try database.query(
            "SELECT COALESCE((SELECT model_id FROM scan_run WHERE model_id IS NOT NULL ORDER BY id DESC LIMIT 1), (SELECT MAX(id) FROM model))",
            []
        ).first?.first?.integer
    }

    public func register(_ registration: ModelRegistration) throws(StoreError) -> Int64 {
        try database.writeTransaction { () throws(StoreError) in try id(for: registration) }
    }

    /// The id of the model row for `registration`, creating it if new (inside a transaction).
    private func id(for registration: ModelRegistration) throws(StoreError) -> Int64 {
        let key: [SQLValue] = [
            .text(registration.weightsSHA256), .text(registration.preprocessing.rawValue), .text(registration.resizePolicy.rawValue),
        ]
        let select = "SELECT id FROM model WHERE weights_sha256 = ? AND preprocessing = ? AND resize_policy = ?"
        let convolutionBase: SQLValue = registration.convolutionBase.map { .text($0) } ?? .null
        if let id = try database.query(select, key).first?.first?.integer {
            // A model recorded before its convolutions were: the same file, so the same ones.
            if registration.convolutionBase != nil, schema.recordsModelProvenance {
                try database.run("UPDATE model SET convolution_base = ? WHERE id = ? AND convolution_base IS NULL", [convolutionBase, .integer(id)])
            }
            return id
        }
        let id = try database.insert(
            "INSERT INTO model (weights_sha256, name, architecture, preprocessing, resize_policy, feature_dim, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            key.prefix(1) + [registration.name.map { .text($0) } ?? .null, .text(registration.architecture.metadataValue)] + key.suffix(2)
                + [.integer(Int64(registration.featureDimension)), .text(SQLClock.now())])
        if schema.recordsModelProvenance {
            try database.run(
                "UPDATE model SET convolution_base = ?, precision = ? WHERE id = ?", [convolutionBase, .text(registration.precision.rawValue), .integer(id)])
        }
        if schema.recordsFormatAndColor {
            try database.run("UPDATE model SET color = ? WHERE id = ?", [.text(registration.color.rawValue), .integer(id)])
        }
        return id
    }

    public func recordWeightsLocation(modelID: Int64, _ location: WeightsLocation) throws(StoreError) {
        try database.run(
            "UPDATE model SET weights_path = ?, weights_size = ?, weights_mtime_ns = ? WHERE id = ?",
            [.blob(location.path), .integer(location.size), .integer(location.mtimeNanoseconds), .integer(modelID)])
    }
}
