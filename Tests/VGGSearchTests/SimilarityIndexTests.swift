import Testing
import VGGEngine
@testable import VGGSearch

@Suite("Exact nearest neighbours against brute force")
struct SimilarityIndexTests {
    static func expectSame(
        _ found: [(row: Int, score: Float)], _ expected: [(row: Int, score: Double)], _ context: String
    ) {
        #expect(found.map(\.row) == expected.map(\.row), "\(context)")
        // Float results of Double scores: 1e-6 is a few float ulps at 1.
        for (f, e) in zip(found, expected) { #expect(abs(Double(f.score) - e.score) < 1e-6, "\(context)") }
    }

    /// Queries: rows of the data (one of them duplicated, so with exact ties) and fresh vectors.
    static func queries(_ vectors: [[Float]], fresh: [[Float]]) -> [[Float]] {
        [vectors[10], vectors[0], vectors[vectors.count - 1]] + fresh
    }

    @Test(arguments: [(true, UInt64(1)), (true, 2), (false, 3), (false, 4)])
    func nearestEqualsBruteForce(structured: Bool, seed: UInt64) throws {
        let pool = ThreadPool(threadCount: 2)
        let generate = { (count: Int, seed: UInt64) in
            structured
                ? SearchTestData.structured(count: count, dimension: 100, seed: seed)
                : SearchTestData.isotropic(count: count, dimension: 100, seed: seed)
        }
        let generated = generate(303, seed)
        var vectors = Array(generated.prefix(300))
        let fresh = Array(generated.suffix(3))  // same distribution, not in the index
        // Exact ties: copies of row 10 at rows 150 and 300 (and of row 0 at 301).
        vectors[150] = vectors[10]
        vectors.append(vectors[10])
        vectors.append(vectors[0])
        let fixture = SearchFixture(vectors, rank: 12, pool: pool)
        let index = fixture.index()
        for (q, query) in Self.queries(vectors, fresh: fresh).enumerated() {
            for k in [1, 3, 5, 10, vectors.count + 5] {
                let found = try index.nearest(to: query, k: k, basis: fixture.basis, pool: pool)
                let expected = SearchTestData.bruteForceNearest(vectors, query: query, k: k)
                Self.expectSame(found, expected, "query \(q), k \(k)")
            }
        }
        let ties = try index.nearest(to: vectors[10], k: 3, basis: fixture.basis, pool: pool)
        #expect(ties.map(\.row) == [10, 150, 300])
        #expect(ties[0].score == ties[1].score && ties[1].score == ties[2].score)
    }

    @Test(arguments: [true, false])
    func allowedFilterAndMinimumScore(structured: Bool) throws {
        let pool = ThreadPool(threadCount: 2)
        var vectors = structured
            ? SearchTestData.structured(count: 250, dimension: 64, seed: 8)
            : SearchTestData.isotropic(count: 250, dimension: 64, seed: 9)
        vectors.append(vectors[30])
        let fixture = SearchFixture(vectors, rank: 8, pool: pool)
        let index = fixture.index()
        let allowed = { (row: Int) in row % 3 != 0 && row != 30 }
        for query in [vectors[30], vectors[31], vectors[200]] {
            // Minimums from none at all to one that leaves fewer than k rows (or none).
            for minimum: Float in [-1, 0.5, 0.8, 0.9, 0.97, 1.1] {
                for k in [1, 7, 40] {
                    let found = try index.nearest(
                        to: query, k: k, minimumScore: minimum, allowed: allowed, basis: fixture.basis, pool: pool)
                    let expected = SearchTestData.bruteForceNearest(
                        vectors, query: query, k: k, minimum: minimum, allowed: allowed)
                    Self.expectSame(found, expected, "minimum \(minimum), k \(k)")
                    #expect(found.allSatisfy { allowed($0.row) && $0.score >= minimum })
                }
            }
        }
        let unbounded = try index.nearest(
            to: vectors[31], k: 300, minimumScore: -.infinity, allowed: allowed, basis: fixture.basis, pool: pool)
        Self.expectSame(
            unbounded, SearchTestData.bruteForceNearest(vectors, query: vectors[31], k: 300, allowed: allowed), "minimum −∞")
        let nothing = try index.nearest(to: vectors[5], k: 5, allowed: { _ in false }, basis: fixture.basis, pool: pool)
        #expect(nothing.isEmpty)
    }

    @Test func pruningReadsFewFullVectorsOnStructuredData() throws {
        let pool = ThreadPool(threadCount: 2)
        let vectors = SearchTestData.structured(count: 2000, dimension: 64, latent: 4, noise: 0.05, seed: 12)
        let fixture = SearchFixture(vectors, rank: 16, pool: pool)
        let log = FetchLog()
        let index = fixture.index(log: log)
        var fetched = [Int]()
        for q in [3, 500, 1999] {
            let (matches, statistics) = try index.nearestWithStatistics(
                to: vectors[q], k: 10, basis: fixture.basis, pool: pool)
            Self.expectSame(matches, SearchTestData.bruteForceNearest(vectors, query: vectors[q], k: 10), "query \(q)")
            fetched.append(statistics.fetchedRows)
            #expect(statistics.rows == 2000 && statistics.fetchCalls >= 1)
        }
        // The first batch is 64 rows; a search that had to read most of the 2000 would show here.
        #expect(fetched.allSatisfy { $0 < 200 }, "fetched \(fetched) of 2000")
        #expect(log.calls.map(\.count).reduce(0, +) == fetched.reduce(0, +))
        #expect(log.calls.allSatisfy { $0.count <= SimilarityIndex.fetchLimit })
    }

    @Test func largeKIsFetchedInBoundedBatches() throws {
        let pool = ThreadPool(threadCount: 2)
        let vectors = SearchTestData.isotropic(count: 2500, dimension: 32, seed: 13)
        let fixture = SearchFixture(vectors, rank: 4, pool: pool)
        let log = FetchLog()
        let found = try fixture.index(log: log).nearest(to: vectors[7], k: 3000, basis: fixture.basis, pool: pool)
        Self.expectSame(found, SearchTestData.bruteForceNearest(vectors, query: vectors[7], k: 3000), "k 3000")
        #expect(found.count == 2500)
        #expect(log.calls.allSatisfy { $0.count <= SimilarityIndex.fetchLimit })
        #expect(Set(log.calls.flatMap { $0 }).count == 2500)
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let vectors = SearchTestData.structured(count: 400, dimension: 72, seed: 14)
        let runs = try [1, 2, 3].map { threads -> [Int] in
            let pool = ThreadPool(threadCount: threads)
            let fixture = SearchFixture(vectors, rank: 9, pool: pool)
            let (matches, statistics) = try fixture.index().nearestWithStatistics(
                to: vectors[1], k: 10, basis: fixture.basis, pool: pool)
            return matches.map(\.row) + [statistics.fetchedRows]
        }
        #expect(runs[1] == runs[0] && runs[2] == runs[0])
    }

    @Test func emptyIndexAndZeroK() throws {
        let pool = ThreadPool(threadCount: 1)
        let vectors = SearchTestData.structured(count: 20, dimension: 16, seed: 15)
        let fixture = SearchFixture(vectors, rank: 4, pool: pool)
        #expect(try fixture.index().nearest(to: vectors[0], k: 0, basis: fixture.basis, pool: pool).isEmpty)
        let empty = SimilarityIndex(coordinates: [], residuals: [], rank: 4) { _ in [] }
        #expect(try empty.nearest(to: vectors[0], k: 5, basis: fixture.basis, pool: pool).isEmpty)
    }

    @Test func badFetchRepliesThrow() {
        let pool = ThreadPool(threadCount: 1)
        let vectors = SearchTestData.structured(count: 30, dimension: 16, seed: 16)
        let fixture = SearchFixture(vectors, rank: 4, pool: pool)
        let short = SimilarityIndex(coordinates: fixture.coordinates, residuals: fixture.residuals, rank: 4) { rows in
            Array(rows.dropFirst().map { vectors[$0] })
        }
        #expect(throws: SearchError.self) { try short.nearest(to: vectors[0], k: 3, basis: fixture.basis, pool: pool) }
        let missing = SimilarityIndex(coordinates: fixture.coordinates, residuals: fixture.residuals, rank: 4) { rows in
            rows.map { _ in [] }
        }
        #expect(throws: SearchError.self) { try missing.nearest(to: vectors[0], k: 3, basis: fixture.basis, pool: pool) }
    }
}
