import Testing
import VGGCommon
import VGGEngine
import VGGSearch

/// The search data made from the floats, as the writer stores it and a search makes it for
/// rows a stopped scan left without it.
@Suite("Search data making")
struct SearchDataMakingTests {
    @Test func samplesWithoutADirectionAreLeftOutAndNoneGivesNoBasis() {
        let pool = ThreadPool(threadCount: 1)
        #expect(SearchDataMaking.basis(learnedFrom: [[0, 0, 0], [0, 0, 0]], pool: pool, kernels: .default) == nil)
        let learned = SearchDataMaking.basis(learnedFrom: [[1, 0, 0], [0, 0, 0], [0, 2, 0]], pool: pool, kernels: .default)
        #expect(learned?.samples == 2 && learned?.basis.rank == 2 && learned?.basis.dimension == 3)
    }

    @Test func projectionsAreOfUnitVectorsAndAZeroVectorStaysZero() throws {
        let pool = ThreadPool(threadCount: 1)
        var random = SplitMix64(seed: 7)
        let samples = (0..<40).map { _ in (0..<16).map { _ in Float(random.nextGaussian()) } }
        let basis = try #require(SearchDataMaking.basis(learnedFrom: samples, pool: pool, kernels: .default)).basis
        let scaled = samples[0].map { $0 * 9 }
        let (coordinates, residuals) = SearchDataMaking.projections(of: [samples[0], scaled, [Float](repeating: 0, count: 16)], basis: basis, pool: pool)
        let rank = basis.rank
        // A vector and nine times it have the same projection: both are taken at unit length.
        for i in 0..<rank { #expect(abs(coordinates[i] - coordinates[rank + i]) < 1e-5) }
        #expect(abs(residuals[0] - residuals[1]) < 1e-5)
        #expect(coordinates[(2 * rank)...].allSatisfy { $0 == 0 })
        #expect(SearchDataMaking.unit([3, 4]) == [0.6, 0.8] && SearchDataMaking.unit([0, 0]) == [0, 0])
    }
}
