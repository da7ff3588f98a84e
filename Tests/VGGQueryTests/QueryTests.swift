import Foundation
import Testing
import VGGEngine
import VGGIndexTypes
import VGGIndexing
import VGGQuery
import _VGGTestSupport

/// The read side through its own API, on a synthetic index held in memory: which vectors a
/// search compares, nearest neighbours against brute force, duplicates, and searches that
/// make up for search data the index lacks.
@Suite("Queries")
struct QueryTests {
    /// 150 synthetic images; every 50th (1, 51, 101) is a near copy of the one before.
    static func synthetic() throws -> MemoryIndex {
        let memory = MemoryIndex()
        var generator = SyntheticIndex(seed: 5)
        _ = try generator.write(images: 150, into: memory.writer, threads: 2)
        return memory
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        return dot / (a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() * b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
    }

    @Test func nearestNeighboursAreExactlyThoseOfBruteForce() throws {
        let memory = try Self.synthetic()
        let context = try FeatureChoice.similar.load(index: memory.reader, modelID: nil, threads: 2) { _ in }
        #expect(context.featureName == "fc7" && context.rows.count == 150)
        let answer = try SimilarSearch(queries: ["/synthetic/img0000050.jpg"], limit: 5).run(context, engine: EngineOptions(), environment: [:])
        let features = try memory.reader.search.features(imageIDs: context.rows.imageIDs, modelID: context.model.id).compactMap { $0 }
        let expected = (0..<150).filter { $0 != 50 }.sorted { Self.cosine(features[50], features[$0]) > Self.cosine(features[50], features[$1]) }
        #expect(answer.queryRows == [50] && answer.results.map(\.row) == Array(expected.prefix(5)))
        #expect(answer.results.first?.row == 51 && answer.estimatesComputed == 0)
        for (row, score) in answer.results { #expect(abs(Double(score) - Self.cosine(features[50], features[row])) < 1e-4) }
    }

    /// Rows without a stored code (a scan stopped before it wrote them) are coded from their
    /// floats: the answer is the same.
    @Test func missingCodesAreMadeUpAndTheAnswerStands() throws {
        let memory = try Self.synthetic()
        let context = try FeatureChoice.similar.load(index: memory.reader, modelID: nil, threads: 2) { _ in }
        let search = SimilarSearch(queries: ["/synthetic/img0000100.jpg"], limit: 5)
        let before = try search.run(context, engine: EngineOptions(), environment: [:])
        memory.codes[context.model.id] = [:]
        memory.projections[context.model.id] = [:]
        let after = try search.run(context, engine: EngineOptions(), environment: [:])
        #expect(after.estimatesComputed == 150 && after.results.map(\.row) == before.results.map(\.row))
        // Without projections, duplicates project the floats themselves.
        let pairs = try DuplicateSearch(threshold: 0.98).run(context).pairs.map { [$0.a, $0.b].sorted() }
        #expect(Set(pairs) == [[0, 1], [50, 51], [100, 101]])
    }

    @Test func duplicatesFindTheNearCopiesOfEachKindOfVector() throws {
        let memory = try Self.synthetic()
        for kind in ["fc7", "gem", "rmac"] {
            let context = try FeatureChoice(named: kind, default: .duplicates).load(index: memory.reader, modelID: nil, threads: 2) { _ in }
            let answer = try DuplicateSearch(threshold: 0.95).run(context)
            #expect(Set(answer.pairs.map { [$0.a, $0.b].sorted() }) == [[0, 1], [50, 51], [100, 101]], "\(kind)")
            #expect(answer.exact.isEmpty && answer.near.count == 3, "\(kind)")
        }
    }

    /// Images indexed before descriptors existed: the default falls back to the model's own
    /// vector and says so; a descriptor asked for by name searches those that have it.
    @Test func theFeatureChoiceFallsBackOnlyWhenNotNamed() throws {
        let memory = try Self.synthetic()
        for id in (memory.results[1] ?? [:]).keys.sorted().prefix(10) {
            memory.results[1]?[id]?.gem = []
            memory.results[1]?[id]?.rmac = []
        }
        var notes = [String]()
        let fallback = try FeatureChoice.duplicates.load(index: memory.reader, modelID: nil, threads: 1) { notes.append($0) }
        #expect(fallback.kind == .network && notes == [
            "vggbatch: note: 10 indexed images have no rmac descriptor yet; comparing fc7 (run `vggbatch scan` again to compute them)",
        ])
        notes = []
        let named = try FeatureChoice(named: "gem", default: .duplicates).load(index: memory.reader, modelID: nil, threads: 1) { notes.append($0) }
        #expect(named.kind == .gem && named.rows.count == 140 && notes.first?.contains("10 indexed images without a gem descriptor") == true)
        #expect(throws: QueryError.self) { try FeatureChoice(named: "sift", default: .similar) }
        #expect {
            try FeatureChoice(named: "pool5", default: .similar).load(index: memory.reader, modelID: nil, threads: 1) { _ in }
        } throws: { error in
            (error as? QueryError)?.reason.contains("model 1 stores fc7, not pool5") == true
        }
        #expect(throws: QueryError.self) { try FeatureChoice.similar.load(index: MemoryIndex().reader, modelID: nil, threads: 1) { _ in } }
    }

    /// The approximate index commands' kinds: fc7 and R-MAC by default, named ones once each,
    /// pool5 refused (and never answered approximately by similar).
    @Test func theApproximateKindsAreTheDefaultsOrTheNamedOnes() throws {
        let memory = try Self.synthetic()
        let model = try #require(try memory.reader.models.all().first)
        #expect(try FeatureChoice.approximateKinds(named: [], model: model) == [.network, .rmac])
        #expect(try FeatureChoice.approximateKinds(named: ["gem", "GEM", "fc7"], model: model) == [.gem, .network])
        #expect {
            try FeatureChoice.approximateKinds(named: ["pool5"], model: model)
        } throws: { error in
            (error as? QueryError)?.reason == "--feature pool5: an approximate index holds fc7, rmac or gem vectors (pool5 is searched exactly)."
        }
        #expect(try !FeatureChoice(named: "pool5", default: .similar).mayUseApproximateIndex)
        #expect(try FeatureChoice(named: "fc7", default: .similar).mayUseApproximateIndex && FeatureChoice.similar.mayUseApproximateIndex)
    }
}
