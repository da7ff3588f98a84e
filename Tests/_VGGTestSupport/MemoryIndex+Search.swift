import Foundation
import VGGIndexTypes

extension MemoryIndex {
    final class Results: ResultStore {
        let base: MemoryIndex
        init(_ base: MemoryIndex) { self.base = base }

        private func id(of path: [UInt8]) -> Int64? {
            base.rows.first { base.path(of: $0.value) == path }?.key
        }

        func details(absolutePath: [UInt8]) throws(StoreError) -> ImageDetails? {
            base.locked {
                guard let id = id(of: absolutePath), let row = base.rows[id], let root = base.rootRows.first(where: { $0.id == row.rootID })
                else { return nil }
                let image = StoredImage(
                    id: id, rootID: row.rootID, rootPath: root.path, relativePath: row.relativePath, stat: row.stat,
                    fingerprint: row.fingerprint, status: row.status, hasResults: false, hasDescriptors: false)
                let results = base.results.keys.sorted().compactMap { model in base.results[model]?[id].map { (model, $0) } }
                return ImageDetails(
                    image: image, width: nil, height: nil, failureReason: row.reason, firstSeen: "", lastSeen: "", results: results)
            }
        }

        func imageID(absolutePath: [UInt8]) throws(StoreError) -> Int64? {
            base.locked { id(of: absolutePath).flatMap { base.rows[$0]?.status == .ok ? $0 : nil } }
        }

        func topClasses(modelID: Int64, limit: Int) throws(StoreError) -> [(index: Int, count: Int)] {
            base.locked {
                var counts = [Int: Int]()
                for (id, result) in base.results[modelID] ?? [:] where base.rows[id]?.status == .ok {
                    if let best = result.top.first { counts[best.index, default: 0] += 1 }
                }
                return counts.map { ($0.key, $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }.prefix(limit).map { $0 }
            }
        }

        func exportRows(modelID: Int64, includeFeatures: Bool, _ body: (ExportRow) throws -> Void) throws -> Int {
            let rows = base.locked {
                (base.results[modelID] ?? [:]).compactMap { id, result -> ExportRow? in
                    guard let row = base.rows[id], row.status == .ok else { return nil }
                    return ExportRow(
                        path: base.path(of: row), result: includeFeatures ? result : ImageResult(top: result.top, features: []))
                }.sorted { $0.path.lexicographicallyPrecedes($1.path) }
            }
            for row in rows { try body(row) }
            return rows.count
        }

        func allPredictions(modelID: Int64) throws(StoreError) -> [Int64: [(index: Int, probability: Double)]] {
            base.locked { (base.results[modelID] ?? [:]).mapValues { $0.top.map { ($0.index, Double($0.probability)) } } }
        }

        func topFiveClasses(modelID: Int64, imageIDs: [Int64]?) throws(StoreError) -> [Int64: [Int]] {
            base.locked {
                (base.results[modelID] ?? [:]).filter { imageIDs?.contains($0.key) ?? true }.mapValues { $0.top.prefix(5).map(\.index) }
            }
        }
    }

    final class Search: SearchData, SearchDataWriter {
        let base: MemoryIndex
        init(_ base: MemoryIndex) { self.base = base }

        private func rows(modelID: Int64, where has: (ImageResult) -> Bool) -> SearchRows {
            base.locked {
                let found = (base.results[modelID] ?? [:]).compactMap { id, result -> (Int64, [UInt8], [UInt8]?)? in
                    guard let row = base.rows[id], row.status == .ok, has(result) else { return nil }
                    return (id, base.path(of: row), row.fingerprint)
                }.sorted { $0.1.lexicographicallyPrecedes($1.1) }
                var rows = SearchRows()
                rows.imageIDs = found.map(\.0)
                rows.paths = found.map(\.1)
                rows.fingerprints = found.map(\.2)
                for (row, id) in rows.imageIDs.enumerated() { rows.rowOf[id] = row }
                return rows
            }
        }

        func searchRows(modelID: Int64) throws(StoreError) -> SearchRows { rows(modelID: modelID) { _ in true } }

        func searchRows(modelID: Int64, descriptor kind: FeatureKind) throws(StoreError) -> SearchRows {
            rows(modelID: modelID) { !$0.vector(kind).isEmpty }
        }

        func searchEstimates(
            modelID: Int64, rows: SearchRows, dimension: Int, score: (UnsafeRawBufferPointer, Float) -> Float
        ) throws(StoreError) -> SearchEstimates {
            let stored = base.locked { base.codes[modelID] ?? [:] }
            var result = SearchEstimates(estimates: [Float](repeating: 0, count: rows.count), errors: [Float](repeating: 0, count: rows.count))
            for (row, id) in rows.imageIDs.enumerated() {
                guard let code = stored[id], code.bytes.count == dimension else {
                    result.missing.append(row)
                    continue
                }
                result.estimates[row] = code.bytes.withUnsafeBytes { score($0, code.scale) }
                result.errors[row] = code.error
            }
            return result
        }

        func searchProjections(modelID: Int64, rows: SearchRows, rank: Int) throws(StoreError) -> SearchProjections {
            let stored = base.locked { base.projections[modelID] ?? [:] }
            var result = SearchProjections(
                rank: rank, coordinates: [Float](repeating: 0, count: rows.count * rank), residuals: [Float](repeating: 0, count: rows.count),
                missing: [])
            for (row, id) in rows.imageIDs.enumerated() {
                guard let projection = stored[id], projection.coordinates.count == rank else {
                    result.missing.append(row)
                    continue
                }
                result.coordinates.replaceSubrange((row * rank)..<((row + 1) * rank), with: projection.coordinates)
                result.residuals[row] = projection.residual
            }
            return result
        }

        func basis(modelID: Int64) throws(StoreError) -> StoredBasis? { base.locked { base.bases[modelID] } }

        func features(imageIDs: [Int64], modelID: Int64) throws(StoreError) -> [[Float]?] {
            base.locked { imageIDs.map { base.results[modelID]?[$0]?.features } }
        }

        func descriptorScores(modelID: Int64, kind: FeatureKind, rows: SearchRows, query: [Float]) throws(StoreError) -> [Float] {
            let vectors = try descriptors(imageIDs: rows.imageIDs, modelID: modelID, kind: kind)
            return vectors.map { vector in
                guard let vector else { return 0 }
                let dot = zip(vector, query).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                return norm > 0 ? Float(dot / norm) : 0
            }
        }

        func descriptors(modelID: Int64, kind: FeatureKind, rows: SearchRows, dimension: Int) throws(StoreError) -> [Float] {
            try descriptors(imageIDs: rows.imageIDs, modelID: modelID, kind: kind).flatMap { vector in
                var unit = vector ?? [Float](repeating: 0, count: dimension)
                if !UnitVector.normalise(&unit) { unit = [Float](repeating: 0, count: dimension) }
                return unit
            }
        }

        func descriptors(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [[Float]?] {
            base.locked { imageIDs.map { id in base.results[modelID]?[id].map { $0.vector(kind) }.flatMap { $0.isEmpty ? nil : $0 } } }
        }

        func imagesWithoutDescriptor(modelID: Int64, kind: FeatureKind) throws(StoreError) -> Int {
            base.locked { (base.results[modelID] ?? [:]).filter { base.rows[$0.key]?.status == .ok && $0.value.vector(kind).isEmpty }.count }
        }

        func featureCount(modelID: Int64) throws(StoreError) -> Int { base.locked { base.results[modelID]?.count ?? 0 } }

        private func features(modelID: Int64, missingFrom table: [Int64: Any], after: Int64, limit: Int) -> [(imageID: Int64, vector: [Float])] {
            (base.results[modelID] ?? [:]).filter { $0.key > after && table[$0.key] == nil }.sorted { $0.key < $1.key }.prefix(limit)
                .map { ($0.key, $0.value.features) }
        }

        func featuresWithoutCode(modelID: Int64, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
            base.locked { features(modelID: modelID, missingFrom: base.codes[modelID] ?? [:], after: after, limit: limit) }
        }

        func storeCodes(_ codes: [(imageID: Int64, code: FeatureCode)], modelID: Int64) throws(StoreError) {
            base.locked { for item in codes { base.codes[modelID, default: [:]][item.imageID] = item.code } }
        }

        func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]] {
            base.locked {
                let all = (base.results[modelID] ?? [:]).sorted { $0.key < $1.key }.map(\.value.features)
                let step = max(1, all.count / max(limit, 1))
                return Array(stride(from: 0, to: all.count, by: step).map { all[$0] }.prefix(limit))
            }
        }

        func replaceBasis(modelID: Int64, _ basis: StoredBasis) throws(StoreError) {
            base.locked {
                base.projections[modelID] = nil
                base.bases[modelID] = basis
            }
        }

        func featuresWithoutProjection(modelID: Int64, after: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
            base.locked { features(modelID: modelID, missingFrom: base.projections[modelID] ?? [:], after: after, limit: limit) }
        }

        func storeProjections(_ rows: [(imageID: Int64, coordinates: [Float], residual: Float)], modelID: Int64) throws(StoreError) {
            base.locked { for row in rows { base.projections[modelID, default: [:]][row.imageID] = (row.coordinates, row.residual) } }
        }
    }
}
