import Testing
import VGGEngine
@testable import VGGSearch

@Suite("Exact nearest neighbours against brute force")
struct NeighbourSearchTests {
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
        let fixture = SearchFixture(vectors)
        for (q, query) in Self.queries(vectors, fresh: fresh).enumerated() {
            let index = fixture.index(query: query, pool: pool)
            for k in [1, 3, 5, 10, vectors.count + 5] {
                let found = try index.nearest(k: k)
                let expected = SearchTestData.bruteForceNearest(vectors, query: query, k: k)
                Self.expectSame(found, expected, "query \(q), k \(k)")
            }
        }
        let ties = try fixture.index(query: vectors[10], pool: pool).nearest(k: 3)
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
        let fixture = SearchFixture(vectors)
        let allowed = { (row: Int) in row % 3 != 0 && row != 30 }
        for query in [vectors[30], vectors[31], vectors[200]] {
            let index = fixture.index(query: query, pool: pool)
            // Minimums from none at all to one that leaves fewer than k rows (or none).
            for minimum: Float in [-1, 0.5, 0.8, 0.9, 0.97, 1.1] {
                for k in [1, 7, 40] {
                    let found = try index.nearest(k: k, minimumScore: minimum, allowed: allowed)
                    let expected = SearchTestData.bruteForceNearest(
                        vectors, query: query, k: k, minimum: minimum, allowed: allowed)
                    Self.expectSame(found, expected, "minimum \(minimum), k \(k)")
                    #expect(found.allSatisfy { allowed($0.row) && $0.score >= minimum })
                }
            }
        }
        let index = fixture.index(query: vectors[31], pool: pool)
        let unbounded = try index.nearest(k: 300, minimumScore: -.infinity, allowed: allowed)
        Self.expectSame(
            unbounded, SearchTestData.bruteForceNearest(vectors, query: vectors[31], k: 300, allowed: allowed), "minimum −∞")
        #expect(try index.nearest(k: 5, allowed: { _ in false }).isEmpty)
    }

    /// Several indexed images searched by their mean direction: a query that is not unit
    /// length and lies between rows.
    @Test func aMeanOfQueriesIsSearchedExactly() throws {
        let pool = ThreadPool(threadCount: 2)
        let vectors = SearchTestData.structured(count: 300, dimension: 96, seed: 21)
        let fixture = SearchFixture(vectors)
        let mean = zip(vectors[3], vectors[77]).map { ($0 + $1) / 2 }
        let found = try fixture.index(query: mean, pool: pool).nearest(k: 8)
        let expected = SearchTestData.bruteForceNearest(vectors, query: mean, k: 8)
        #expect(found.map(\.row) == expected.map(\.row))
    }

    @Test func pruningReadsFewFullVectors() throws {
        let pool = ThreadPool(threadCount: 2)
        // Both kinds of data: the int8 bound does not depend on the vectors lying in a subspace.
        for vectors in [
            SearchTestData.structured(count: 2000, dimension: 256, latent: 4, noise: 0.3, seed: 12),
            SearchTestData.isotropic(count: 2000, dimension: 256, seed: 22),
        ] {
            let fixture = SearchFixture(vectors)
            var fetched = [Int]()
            for q in [3, 500, 1999] {
                let log = FetchLog()
                let (matches, statistics) = try fixture.index(query: vectors[q], log: log, pool: pool).nearestWithStatistics(k: 10)
                Self.expectSame(matches, SearchTestData.bruteForceNearest(vectors, query: vectors[q], k: 10), "query \(q)")
                fetched.append(statistics.fetchedRows)
                #expect(statistics.rows == 2000 && statistics.fetchCalls == 1)
                #expect(log.calls.map(\.count).reduce(0, +) == statistics.fetchedRows)
            }
            // Only rows whose interval reaches the k-th best lower end are read: tens, not most of 2000.
            #expect(fetched.allSatisfy { $0 < 100 }, "fetched \(fetched) of 2000")
        }
    }

    @Test func largeKIsFetchedInBoundedBatches() throws {
        let pool = ThreadPool(threadCount: 2)
        let vectors = SearchTestData.isotropic(count: 2500, dimension: 32, seed: 13)
        let log = FetchLog()
        let found = try SearchFixture(vectors).index(query: vectors[7], log: log, pool: pool).nearest(k: 3000)
        Self.expectSame(found, SearchTestData.bruteForceNearest(vectors, query: vectors[7], k: 3000), "k 3000")
        #expect(found.count == 2500)
        #expect(log.calls.allSatisfy { $0.count <= NeighbourSearch.fetchLimit })
        #expect(Set(log.calls.flatMap { $0 }).count == 2500)
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let vectors = SearchTestData.structured(count: 400, dimension: 72, seed: 14)
        let fixture = SearchFixture(vectors)
        let runs = try [1, 2, 3].map { threads -> [Int] in
            let (matches, statistics) = try fixture.index(query: vectors[1], pool: ThreadPool(threadCount: threads))
                .nearestWithStatistics(k: 10)
            return matches.map(\.row) + [statistics.fetchedRows]
        }
        #expect(runs[1] == runs[0] && runs[2] == runs[0])
    }

    @Test func streamedScoresEqualTheThreadedKernel() {
        let vectors = SearchTestData.structured(count: 50, dimension: 4096, seed: 17)
        let fixture = SearchFixture(vectors)
        let index = fixture.index(query: vectors[2], pool: ThreadPool(threadCount: 2))
        let scorer = CodeScorer(query: vectors[2])
        for row in 0..<50 {
            let streamed = fixture.codes[(row * 4096)..<((row + 1) * 4096)].withUnsafeBytes {
                scorer.score(code: $0, scale: fixture.scales[row])
            }
            #expect(streamed == index.estimates[row])
        }
    }

    @Test func emptyIndexAndZeroK() throws {
        let pool = ThreadPool(threadCount: 1)
        let vectors = SearchTestData.structured(count: 20, dimension: 16, seed: 15)
        #expect(try SearchFixture(vectors).index(query: vectors[0], pool: pool).nearest(k: 0).isEmpty)
        let empty = NeighbourSearch(query: vectors[0], estimates: [], errors: []) { _ in [] }
        #expect(try empty.nearest(k: 5).isEmpty)
    }

    @Test func badFetchRepliesThrow() {
        let vectors = SearchTestData.structured(count: 30, dimension: 16, seed: 16)
        let fixture = SearchFixture(vectors)
        let estimates = fixture.index(query: vectors[0], pool: ThreadPool(threadCount: 1)).estimates
        let short = NeighbourSearch(query: vectors[0], estimates: estimates, errors: fixture.errors) { rows in
            Array(rows.dropFirst().map { vectors[$0] })
        }
        #expect(throws: SearchError.self) { try short.nearest(k: 3) }
        let missing = NeighbourSearch(query: vectors[0], estimates: estimates, errors: fixture.errors) { rows in
            rows.map { _ in [] }
        }
        #expect(throws: SearchError.self) { try missing.nearest(k: 3) }
    }
}
