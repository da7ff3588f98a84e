import VGGCommon
import Testing
import VGGEngine
@testable import VGGSearch

@Suite("Near-duplicate pairs against brute force")
struct DuplicateFinderTests {
    /// Structured vectors with planted near-duplicates (vector + small noise) and exact copies,
    /// spread so that some pairs fall in one block of rows and some across blocks.
    static func plantedVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var vectors = SearchTestData.structured(count: count, dimension: dimension, seed: seed)
        var random = SplitMix64(seed: seed + 1)
        for (source, target, scale) in [(5, 6, 0.002), (5, 400, 0.01), (50, 51, 0.03), (120, 610, 0.005), (300, 599, 0.05)]
        where target < count {
            vectors[target] = SearchTestData.perturbed(vectors[source], scale: scale, random: &random)
        }
        for (source, target) in [(7, 241), (7, 242), (500, 10)] where target < count && source < count {
            vectors[target] = vectors[source]
        }
        return vectors
    }

    static func expectSame(
        _ found: [(a: Int, b: Int, score: Float)], _ expected: [(a: Int, b: Int, score: Double)], _ context: String
    ) {
        #expect(found.map { [$0.a, $0.b] } == expected.map { [$0.a, $0.b] }, "\(context)")
        for (f, e) in zip(found, expected) { #expect(abs(Double(f.score) - e.score) < 1e-6, "\(context)") }
    }

    @Test(arguments: [Float(0.8), 0.9, 0.95, 0.99, 0.999])
    func pairsEqualBruteForceOnStructuredData(threshold: Float) throws {
        let pool = ThreadPool(threadCount: 2)
        let vectors = Self.plantedVectors(count: 620, dimension: 64, seed: 40)
        let fixture = ProjectedFixture(vectors, rank: 10, pool: pool)
        var fractions = [Double]()
        let (found, statistics) = try DuplicateFinder.pairsWithStatistics(
            coordinates: fixture.coordinates, residuals: fixture.residuals, rank: 10, threshold: threshold,
            fullVectors: fixture.fetch, pool: pool, progress: { fractions.append($0) })
        let expected = SearchTestData.bruteForcePairs(vectors, threshold: threshold)
        Self.expectSame(found, expected, "threshold \(threshold)")
        #expect(found.allSatisfy { $0.a < $0.b })
        // The planted exact copies are found at every threshold below 1.
        for pair in [(7, 241), (7, 242), (241, 242), (10, 500)] {
            #expect(found.contains { $0.a == pair.0 && $0.b == pair.1 }, "\(pair)")
        }
        #expect(statistics.candidates >= found.count)
        #expect(fractions == fractions.sorted() && fractions.last == 1)
    }

    @Test(arguments: [Float(0.5), 0.7, 0.8])
    func pairsEqualBruteForceOnIsotropicData(threshold: Float) throws {
        // Independent non-negative entries: cosines cluster near 2/π, so low thresholds make
        // many real pairs and the bound prunes little.
        let pool = ThreadPool(threadCount: 2)
        var vectors = SearchTestData.isotropic(count: 300, dimension: 48, seed: 41)
        vectors[200] = vectors[3]
        let fixture = ProjectedFixture(vectors, rank: 6, pool: pool)
        let found = try DuplicateFinder.pairs(
            coordinates: fixture.coordinates, residuals: fixture.residuals, rank: 6, threshold: threshold,
            fullVectors: fixture.fetch, pool: pool)
        Self.expectSame(found, SearchTestData.bruteForcePairs(vectors, threshold: threshold), "threshold \(threshold)")
    }

    @Test func verificationWindowsBoundTheVectorsHeld() throws {
        let vectors = SearchTestData.isotropic(count: 60, dimension: 24, seed: 42)
        var candidates = [(a: Int, b: Int)]()
        for a in 0..<60 { for b in (a + 1)..<60 { candidates.append((a, b)) } }
        var largest = 0
        var verifier = PairVerifier(threshold: 0.6, windowRows: 3, residentVectors: 8, kernels: .default)
        try verifier.verify(candidates) { rows in
            largest = max(largest, rows.count)
            return rows.map { vectors[$0] }
        }
        #expect(largest <= 8)
        let found = verifier.found.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
        Self.expectSame(found, SearchTestData.bruteForcePairs(vectors, threshold: 0.6), "windows")
        #expect(verifier.checked == candidates.count)
    }

    @Test func pairsDoNotDependOnTheThreadCount() throws {
        let vectors = Self.plantedVectors(count: 500, dimension: 56, seed: 43)
        let runs = try [1, 2, 3].map { threads -> [[Int]] in
            let pool = ThreadPool(threadCount: threads)
            let fixture = ProjectedFixture(vectors, rank: 8, pool: pool)
            let (found, statistics) = try DuplicateFinder.pairsWithStatistics(
                coordinates: fixture.coordinates, residuals: fixture.residuals, rank: 8, threshold: 0.9,
                fullVectors: fixture.fetch, pool: pool)
            return found.map { [$0.a, $0.b, Int($0.score.bitPattern)] } + [[statistics.candidates]]
        }
        #expect(runs[1] == runs[0] && runs[2] == runs[0])
    }

    @Test func tinyInputs() throws {
        let pool = ThreadPool(threadCount: 2)
        let none = try DuplicateFinder.pairs(coordinates: [], residuals: [], rank: 3, threshold: 0.5, fullVectors: { _ in [] }, pool: pool)
        #expect(none.isEmpty)
        let vectors = SearchTestData.structured(count: 2, dimension: 8, seed: 44)
        let fixture = ProjectedFixture([vectors[0], vectors[0]], rank: 2, pool: pool)
        let found = try DuplicateFinder.pairs(
            coordinates: fixture.coordinates, residuals: fixture.residuals, rank: 2, threshold: 0.99,
            fullVectors: fixture.fetch, pool: pool)
        #expect(found.map { [$0.a, $0.b] } == [[0, 1]])
    }

    @Test func groupsNeverChain() {
        typealias Group = DuplicateFinder.Group
        func group(_ representative: Int, _ members: [(Int, Float)]) -> Group {
            Group(representative: representative, members: members.map { Group.Member(row: $0.0, score: $0.1) })
        }
        let pairs: [(a: Int, b: Int, score: Float)] = [(8, 9, 0.95), (1, 2, 0.99), (4, 7, 0.93), (2, 5, 0.97), (0, 7, 0.96)]
        // 7 and 2 have two partners each: they stand for their groups.
        #expect(DuplicateFinder.groups(pairs: pairs, count: 12) == [group(2, [(1, 0.99), (5, 0.97)]), group(7, [(0, 0.96), (4, 0.93)]), group(8, [(9, 0.95)])])
        #expect(DuplicateFinder.groups(pairs: [], count: 3).isEmpty)
        // A chain does not join its ends: each group is a row and its own partners.
        let chain: [(a: Int, b: Int, score: Float)] = (0..<9).map { ($0, $0 + 1, 0.95) }
        let groups = DuplicateFinder.groups(pairs: chain, count: 10)
        #expect(groups.allSatisfy { group in group.members.allSatisfy { abs($0.row - group.representative) == 1 } })
        #expect(groups.map(\.rows.count).reduce(0, +) <= 10 && groups.count >= 3)
        // An original with three edits, two of which also look like an unrelated photo 9:
        // the original stands for the group, and 9 joins nothing through the edits.
        let edits: [(a: Int, b: Int, score: Float)] = [(0, 1, 0.9), (0, 2, 0.8), (0, 3, 0.85), (1, 9, 0.7), (2, 9, 0.66)]
        #expect(DuplicateFinder.groups(pairs: edits, count: 10) == [group(0, [(1, 0.9), (3, 0.85), (2, 0.8)])])
    }
}

@Suite("Ranks above one GEMM depth block")
struct LargeRankTests {
    /// rank 260 > `GEMMBlocking.kc` = 256, so every GEMM here accumulates over two K blocks;
    /// the identity basis (rows e₀…e₂₅₉) is orthonormal without learning.
    @Test func identityBasisAboveOneDepthBlock() throws {
        let pool = ThreadPool(threadCount: 2)
        let dimension = 272
        let rank = 260
        var rows = [Float](repeating: 0, count: rank * dimension)
        for i in 0..<rank { rows[i * dimension + i] = 1 }
        let basis = FeatureBasis(rank: rank, dimension: dimension, rows: rows)
        var vectors = SearchTestData.isotropic(count: 160, dimension: dimension, seed: 50)
        vectors[100] = vectors[4]
        let (coordinates, residuals) = basis.project(vectors.flatMap { $0 }, pool: pool)
        for (row, v) in vectors.enumerated() {
            #expect(Array(coordinates[(row * rank)..<((row + 1) * rank)]) == Array(v.prefix(rank)))
            let tail = v.suffix(dimension - rank).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(Double(residuals[row]) >= tail && Double(residuals[row]) < tail + 1e-5)
        }
        let pairs = try DuplicateFinder.pairs(
            coordinates: coordinates, residuals: residuals, rank: rank, threshold: 0.8,
            fullVectors: { $0.map { vectors[$0] } }, pool: pool)
        #expect(pairs.map { [$0.a, $0.b] } == SearchTestData.bruteForcePairs(vectors, threshold: 0.8).map { [$0.a, $0.b] })
        #expect(pairs.contains { $0.a == 4 && $0.b == 100 })
    }
}
