import VGGCommon
import VGGIndexTypes

/// What an approximate index reads from the index it serves (`ApproximateData`): the
/// vectors by revision, the candidates it proposes as they are now, and the recall its
/// checks measured.
public final class SQLApproximateData: ApproximateData {
    private let database: any SQLDatabase
    private let schema: SQLSchema
    public let databaseFile: String?

    init(database: any SQLDatabase, schema: SQLSchema, databaseFile: String?) {
        self.database = database
        self.schema = schema
        self.databaseFile = databaseFile
    }

    public func revisionState(committed: Bool) throws(StoreError) -> RevisionState? {
        guard schema.recordsRevisions else { return nil }
        let (revision, instance) = try SQLRevision.latest(in: database, committed: committed)
        return RevisionState(instance: instance, revision: revision)
    }

    public func registerFile(build: String, revision: Int64, modelID: Int64, kind: FeatureKind) throws(StoreError) {
        // Every state kept: a file is recorded before it takes its path, so the one it replaces
        // (an earlier state of the same build) must stay known until the rename, and any state
        // this index went through remains a correct file for it.
        try database.run(
            "INSERT INTO approximate_file (build, revision, model_id, kind, written_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [.text(build), .integer(revision), .integer(modelID), .text(kind.rawValue), .text(SQLClock.now())])
    }

    public func knowsFile(build: String, revision: Int64) throws(StoreError) -> Bool {
        guard schema.recordsRevisions else { return false }
        return try !database.query(
            "SELECT 1 FROM approximate_file WHERE build = ? AND revision = ?", [.text(build), .integer(revision)]).isEmpty
    }

    public func forEachVector(
        modelID: Int64, kind: FeatureKind, after revision: Int64?, dimension: Int, chunk: Int,
        _ body: (_ imageIDs: [Int64], _ vectors: [Float], _ ok: [Bool]) throws -> Void
    ) throws {
        var ids = [Int64]()
        var ok = [Bool]()
        var vectors = [Float]()
        ids.reserveCapacity(chunk)
        vectors.reserveCapacity(chunk * dimension)
        var failure: (any Error)?
        let (table, condition, values) = Self.source(modelID: modelID, kind: kind, after: revision)
        let sql = "SELECT v.image_id, v.vector, CASE WHEN image.status = 'ok' THEN 1 ELSE 0 END "
            + "FROM \(table) v JOIN image ON image.id = v.image_id WHERE \(condition)"
        try database.scanRows(sql, values) { (row: SQLRow) throws(StoreError) -> Bool in
            let read = row.withBlob(1) { bytes -> Bool in
                guard bytes.count == 4 * dimension else { return false }
                let start = vectors.count
                vectors.append(contentsOf: repeatElement(0, count: dimension))
                vectors.withUnsafeMutableBufferPointer { all in
                    FloatCodec.decode(bytes, into: UnsafeMutableBufferPointer(rebasing: all[start..<(start + dimension)]))
                }
                return true
            }
            guard read else { throw .corrupt(path: database.location, reason: "a \(kind.rawValue) vector that is not \(dimension) floats") }
            ids.append(row.int64(0))
            ok.append(row.int64(2) != 0)
            guard ids.count == chunk else { return true }
            do {
                try body(ids, vectors, ok)
            } catch {
                failure = error
                return false
            }
            ids.removeAll(keepingCapacity: true)
            ok.removeAll(keepingCapacity: true)
            vectors.removeAll(keepingCapacity: true)
            return true
        }
        if let failure { throw failure }
        if !ids.isEmpty { try body(ids, vectors, ok) }
    }

    public func vectors(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [[Float]?] {
        var found = [Int64: [Float]]()
        for start in stride(from: 0, to: imageIDs.count, by: 500) {
            let chunk = Array(imageIDs[start..<min(start + 500, imageIDs.count)])
            let (table, condition, values) = Self.source(modelID: modelID, kind: kind, after: nil)
            try database.forEachRow(
                "SELECT v.image_id, v.vector FROM \(table) v WHERE \(condition) AND v.image_id IN (\(SQLText.placeholders(chunk.count)))",
                values + chunk.map { .integer($0) }
            ) { (row: SQLRow) throws(StoreError) in
                found[row.int64(0)] = row.blob(1).flatMap(FloatCodec.decode)
            }
        }
        return imageIDs.map { found[$0] }
    }

    public func vectorCount(modelID: Int64, kind: FeatureKind, after revision: Int64?) throws(StoreError) -> Int {
        let (table, condition, values) = Self.source(modelID: modelID, kind: kind, after: revision)
        return Int(try database.query("SELECT COUNT(*) FROM \(table) v WHERE \(condition)", values).first?.first?.integer ?? 0)
    }

    /// The table of `kind` (aliased `v`) and the condition on its rows of the model above
    /// `revision` (all when nil; a row written before revisions existed has none and is never
    /// above): fc7 (or pool5) in `feature`, GeM and R-MAC in `descriptor`.
    private static func source(modelID: Int64, kind: FeatureKind, after revision: Int64?) -> (String, String, [SQLValue]) {
        var condition = "v.model_id = ?"
        var values: [SQLValue] = [.integer(modelID)]
        let table = kind == .network ? "feature" : "descriptor"
        if kind != .network {
            condition += " AND v.kind = ?"
            values.append(.text(kind.rawValue))
        }
        if let revision {
            condition += " AND v.revision > ?"
            values.append(.integer(revision))
        }
        return (table, condition, values)
    }

    public func candidates(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [ApproximateCandidate] {
        var found = [ApproximateCandidate]()
        for start in stride(from: 0, to: imageIDs.count, by: 500) {
            let chunk = Array(imageIDs[start..<min(start + 500, imageIDs.count)])
            let (table, condition, values) = Self.source(modelID: modelID, kind: kind, after: nil)
            try database.forEachRow(
                """
                SELECT image.id, root.path, image.relative_path, v.vector FROM \(table) v
                JOIN image ON image.id = v.image_id JOIN root ON root.id = image.root_id
                WHERE \(condition) AND image.status = 'ok' AND v.image_id IN (\(SQLText.placeholders(chunk.count)))
                """, values + chunk.map { .integer($0) }
            ) { (row: SQLRow) throws(StoreError) in
                guard let vector = row.blob(3).flatMap(FloatCodec.decode) else {
                    throw .corrupt(path: database.location, reason: "a \(kind.rawValue) vector that is not float32 values")
                }
                found.append(ApproximateCandidate(imageID: row.int64(0), path: PathBytes.join(row.blob(1) ?? [], row.blob(2) ?? []), vector: vector))
            }
        }
        return found
    }

    public func lastCheck(modelID: Int64, kind: FeatureKind) throws(StoreError) -> ApproximateCheck? {
        guard schema.recordsRevisions,
            let row = try database.query(
                "SELECT build, checked_at, queries, probes, recall_at_1, recall_at_10 FROM approximate_check WHERE model_id = ? AND kind = ?",
                [.integer(modelID), .text(kind.rawValue)]
            ).first,
            let build = row[0].text, let checkedAt = row[1].text, let queries = row[2].integer, let probes = row[3].integer,
            let recall1 = row[4].real, let recall10 = row[5].real
        else { return nil }
        return ApproximateCheck(
            build: build, checkedAt: checkedAt, queries: Int(queries), probes: Int(probes), recallAt1: recall1, recallAt10: recall10)
    }

    public func recordCheck(_ check: ApproximateCheck, modelID: Int64, kind: FeatureKind) throws(StoreError) {
        guard schema.recordsRevisions else { return }
        try database.run(
            """
            INSERT INTO approximate_check (model_id, kind, build, checked_at, queries, probes, recall_at_1, recall_at_10)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (model_id, kind) DO UPDATE SET build = excluded.build, checked_at = excluded.checked_at,
                queries = excluded.queries, probes = excluded.probes, recall_at_1 = excluded.recall_at_1, recall_at_10 = excluded.recall_at_10
            """,
            [.integer(modelID), .text(kind.rawValue), .text(check.build), .text(check.checkedAt), .integer(Int64(check.queries)),
             .integer(Int64(check.probes)), .real(check.recallAt1), .real(check.recallAt10)])
    }
}
