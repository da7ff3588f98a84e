import VGGCommon
import VGGIndexTypes

/// An index's descriptors as an approximate index sees them, in memory: each row with its
/// revision and status, the revision counter, and the recorded checks.
final class MemoryApproximateData: ApproximateData {
    struct Row {
        var vector: [Float]
        var ok = true
        var revision: Int64
    }

    var rows = [Int64: Row]()
    var instance = "memory-instance"
    var revision: Int64 = 0
    var checks = [String: ApproximateCheck]()
    let databaseFile: String?
    let kind: FeatureKind

    init(databaseFile: String?, kind: FeatureKind = .rmac) {
        self.databaseFile = databaseFile
        self.kind = kind
    }

    /// Writes rows in one transaction: they share the next revision.
    func write(_ vectors: [Int64: [Float]]) {
        revision += 1
        for (id, vector) in vectors { rows[id] = Row(vector: vector, revision: revision) }
    }

    func revisionState(committed: Bool) throws(StoreError) -> RevisionState? { RevisionState(instance: instance, revision: revision) }

    var files = Set<String>()

    func registerFile(build: String, revision: Int64, modelID: Int64, kind: FeatureKind) throws(StoreError) {
        files.insert("\(build)@\(revision)")
    }

    func knowsFile(build: String, revision: Int64) throws(StoreError) -> Bool { files.contains("\(build)@\(revision)") }

    func forEachVector(
        modelID: Int64, kind: FeatureKind, after revision: Int64?, dimension: Int, chunk: Int,
        _ body: (_ imageIDs: [Int64], _ vectors: [Float], _ ok: [Bool]) throws -> Void
    ) throws {
        guard kind == self.kind else { return }
        let chosen = rows.keys.sorted().filter { revision == nil || rows[$0]!.revision > revision! }
        for start in stride(from: 0, to: chosen.count, by: chunk) {
            let ids = Array(chosen[start..<min(start + chunk, chosen.count)])
            try body(ids, ids.flatMap { rows[$0]!.vector }, ids.map { rows[$0]!.ok })
        }
    }

    func vectors(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [[Float]?] {
        imageIDs.map { rows[$0]?.vector }
    }

    func vectorCount(modelID: Int64, kind: FeatureKind, after revision: Int64?) throws(StoreError) -> Int {
        rows.values.filter { revision == nil || $0.revision > revision! }.count
    }

    func candidates(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [ApproximateCandidate] {
        imageIDs.compactMap { id in
            guard let row = rows[id], row.ok else { return nil }
            return ApproximateCandidate(imageID: id, path: Array(Self.path(id).utf8), vector: row.vector)
        }
    }

    func lastCheck(modelID: Int64, kind: FeatureKind) throws(StoreError) -> ApproximateCheck? { checks["\(modelID)-\(kind)"] }

    func recordCheck(_ check: ApproximateCheck, modelID: Int64, kind: FeatureKind) throws(StoreError) {
        checks["\(modelID)-\(kind)"] = check
    }

    static func path(_ id: Int64) -> String { "/photos/\(id).jpg" }

    /// `count` unit vectors of `dimension` around `subjects` centres (non-negative, as
    /// descriptors after a ReLU), ids from `firstID`.
    static func clustered(count: Int, dimension: Int, subjects: Int, seed: UInt64, firstID: Int64 = 1) -> [Int64: [Float]] {
        var random = SplitMix64(seed: seed)
        func gaussian() -> Float {
            let u = max(random.nextUnit(), 1e-12)
            let v = random.nextUnit()
            return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
        }
        let centres = (0..<subjects).map { _ in (0..<dimension).map { _ in gaussian() } }
        var result = [Int64: [Float]]()
        for i in 0..<count {
            let centre = centres[Int(random.next() % UInt64(subjects))]
            var vector = centre.map { max(0, 0.6 * $0 + 0.8 * gaussian()) }
            _ = UnitVector.normalise(&vector)
            result[firstID + Int64(i)] = vector
        }
        return result
    }
}

import Foundation
