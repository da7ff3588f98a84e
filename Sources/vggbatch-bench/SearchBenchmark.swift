import VGGCommon
import VGGIndexTypes
import ArgumentParser
import Foundation
import VGGEngine
import VGGSearch
import VGGStore

/// Times the exact similarity search with the int8 codes of an index held in memory, as a
/// long-running process would hold them: what `vggbatch similar` costs beyond reading the
/// codes from SQLite. Results are checked against a float32 brute force first.
struct SearchBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Milliseconds per exact top-k query over an index's codes in memory.")

    @Option(help: "An index (e.g. from `vggbatch generate-index`).") var db: String
    @Option(help: "Queries timed (indexed images spread over the index).") var queries = 15
    @Option(help: "Results per query.") var limit = 10
    @Option(help: "Threads.") var threads = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let index = try SQLiteIndex(path: db, readOnly: true)
        guard let modelID = try index.models.defaultModel()?.id else { throw ValidationError("\(db) has no model") }
        let rows = try index.search.searchRows(modelID: modelID)
        let dimension = try index.models.all().first { $0.id == modelID }?.featureDimension ?? 0
        guard rows.count > 0, dimension > 0 else { throw ValidationError("\(db) has no feature vectors") }

        // The codes in memory, in row order.
        var codes = [Int8](repeating: 0, count: rows.count * dimension)
        var scales = [Float](repeating: 0, count: rows.count)
        var errors = [Float](repeating: 0, count: rows.count)
        var held = 0
        try index.search.forEachCode(modelID: modelID) { id, scale, error, bytes in
            guard let row = rows.rowOf[id], let source = bytes.baseAddress, bytes.count == dimension else { return }
            codes.withUnsafeMutableBytes { $0.baseAddress.map { ($0 + row * dimension).copyMemory(from: source, byteCount: dimension) } }
            held += 1
            scales[row] = scale
            errors[row] = error
        }
        guard held == rows.count else { throw ValidationError("\(rows.count - held) rows have no code; run `vggbatch scan` on the index first") }

        let pool = ThreadPool(threadCount: threads)
        func unit(_ vectors: [[Float]?]) -> [[Float]] {
            vectors.map { vector in
                var v = vector ?? []
                if !UnitVector.normalise(&v) { v = [Float](repeating: 0, count: v.count) }
                return v
            }
        }
        let fetch = { (wanted: [Int]) throws -> [[Float]] in unit(try index.search.features(imageIDs: wanted.map { rows.imageIDs[$0] }, modelID: modelID)) }
        let queryRows = (0..<queries).map { $0 * rows.count / queries + 1 }
        let queryVectors = try fetch(queryRows)

        // Check: three queries against a float32 brute force streamed from the index.
        let checked = Array(queryVectors.prefix(3))
        var scores = Array(repeating: [(row: Int, score: Double)](), count: checked.count)
        try index.search.forEachFeature(modelID: modelID) { id, stored in
            guard let row = rows.rowOf[id] else { return }
            var vector = stored
            if !UnitVector.normalise(&vector) { vector = [Float](repeating: 0, count: vector.count) }
            for (q, query) in checked.enumerated() {
                var dot = 0.0
                for i in 0..<dimension { dot += Double(query[i]) * Double(vector[i]) }
                scores[q].append((row, dot))
            }
        }
        for (q, query) in checked.enumerated() {
            let expected = scores[q].sorted { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }.prefix(limit).map(\.row)
            let found = try NeighbourSearch(query: query, codes: codes, scales: scales, errors: errors, pool: pool, fullVectors: fetch)
                .nearest(k: limit).map(\.row)
            guard found == expected else { throw ValidationError("query \(q): \(found) differs from the brute force \(expected)") }
        }

        var milliseconds = [Double]()
        var fetched = [Int]()
        for query in queryVectors {
            let start = DispatchTime.now().uptimeNanoseconds
            let search = NeighbourSearch(query: query, codes: codes, scales: scales, errors: errors, pool: pool, fullVectors: fetch)
            let (_, statistics) = try search.nearestWithStatistics(k: limit)
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            fetched.append(statistics.fetchedRows)
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        print(String(
            format: "%d vectors of %d, top %d, %d threads: median %.1f ms per query (min %.1f, max %.1f); full vectors read: median %.0f; matches the float32 brute force on %d queries",
            rows.count, dimension, limit, threads, median(milliseconds), milliseconds.min() ?? 0, milliseconds.max() ?? 0,
            median(fetched.map(Double.init)), checked.count))
    }
}
