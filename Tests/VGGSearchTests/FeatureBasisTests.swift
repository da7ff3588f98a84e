import VGGCommon
import Testing
import VGGEngine
@testable import VGGSearch

@Suite("Feature basis: learning and projection")
struct FeatureBasisTests {
    /// max |Q Qᵀ − I| over all entries, in Double.
    static func orthonormalityError(_ basis: FeatureBasis) -> Double {
        let d = basis.dimension
        var worst = 0.0
        for i in 0..<basis.rank {
            for j in 0..<basis.rank {
                var dot = 0.0
                for t in 0..<d { dot += Double(basis.rows[i * d + t]) * Double(basis.rows[j * d + t]) }
                worst = max(worst, abs(dot - (i == j ? 1 : 0)))
            }
        }
        return worst
    }

    // Awkward sizes beside round ones; rank > samples forces random completion of the basis.
    @Test(arguments: [(128, 16, 300), (100, 12, 250), (64, 8, 5), (37, 37, 60)])
    func learnedBasisIsOrthonormal(dimension: Int, rank: Int, samples: Int) {
        let pool = ThreadPool(threadCount: 2)
        let vectors = SearchTestData.structured(count: samples, dimension: dimension, seed: UInt64(dimension))
        let basis = FeatureBasis.learn(samples: vectors, rank: rank, seed: 1, pool: pool)
        #expect(basis.rank == rank && basis.dimension == dimension && basis.rows.count == rank * dimension)
        // 1e-5: the basis is orthonormal in Double and then rounded to float (≈ 1e-7 per entry).
        #expect(Self.orthonormalityError(basis) < 1e-5)
    }

    @Test func duplicateAndZeroSamplesStillGiveAFullRankBasis() {
        let pool = ThreadPool(threadCount: 2)
        let one = SearchTestData.isotropic(count: 1, dimension: 48, seed: 3)[0]
        let basis = FeatureBasis.learn(samples: Array(repeating: one, count: 20), rank: 10, seed: 2, pool: pool)
        #expect(Self.orthonormalityError(basis) < 1e-5)
        // The one direction present in the data is in the basis: its residual is ~0.
        let projected = basis.project(one, pool: pool)
        #expect(projected.residuals[0] < 1e-4)
    }

    @Test func learnedBasisCapturesStructuredData() {
        let pool = ThreadPool(threadCount: 2)
        let vectors = SearchTestData.structured(count: 400, dimension: 96, latent: 4, noise: 0.05, seed: 11)
        let fixture = ProjectedFixture(vectors, rank: 16, pool: pool)
        let mean = fixture.residuals.reduce(0, +) / Float(fixture.residuals.count)
        // A random 16-dimensional basis would leave residuals near sqrt(80/96) ≈ 0.91.
        #expect(mean < 0.3, "mean residual \(mean)")
    }

    @Test(arguments: [(128, 16), (100, 12), (64, 8)])
    func residualIsTheDirectNormAndRoundedUp(dimension: Int, rank: Int) {
        let pool = ThreadPool(threadCount: 2)
        var vectors = SearchTestData.structured(count: 150, dimension: dimension, seed: 5)
        vectors += SearchTestData.isotropic(count: 50, dimension: dimension, seed: 6)
        let fixture = ProjectedFixture(Array(vectors.prefix(150)), rank: rank, pool: pool)
        let (coordinates, residuals) = fixture.basis.project(vectors.flatMap { $0 }, pool: pool)
        let q = fixture.basis.rows
        for (row, v) in vectors.enumerated() {
            let c = coordinates[(row * rank)..<((row + 1) * rank)].map(Double.init)
            var trueResidual = 0.0
            for t in 0..<dimension {
                var reconstructed = 0.0
                for i in 0..<rank { reconstructed += c[i] * Double(q[i * dimension + t]) }
                let difference = Double(v[t]) - reconstructed
                trueResidual += difference * difference
            }
            trueResidual = trueResidual.squareRoot()
            let rho = Double(residuals[row])
            #expect(rho >= trueResidual, "row \(row): ρ \(rho) below the true residual \(trueResidual)")
            #expect(rho <= trueResidual * (1 + 2e-5) + 2e-6)
            // ‖c‖² + ρ² = 1 for a unit vector; 1e-4 allows for the rounding up and float GEMMs.
            let squared = c.reduce(0) { $0 + $1 * $1 }
            #expect(abs(squared + rho * rho - 1) < 1e-4, "row \(row)")
        }
    }

    @Test func boundHoldsForEveryPair() {
        let pool = ThreadPool(threadCount: 2)
        for (structured, seed) in [(true, UInt64(21)), (false, 22)] {
            let vectors = structured
                ? SearchTestData.structured(count: 120, dimension: 80, seed: seed)
                : SearchTestData.isotropic(count: 120, dimension: 80, seed: seed)
            let fixture = ProjectedFixture(vectors, rank: 10, pool: pool)
            let r = fixture.basis.rank
            for a in vectors.indices {
                for b in vectors.indices {
                    var approximate = 0.0
                    for k in 0..<r { approximate += Double(fixture.coordinates[a * r + k]) * Double(fixture.coordinates[b * r + k]) }
                    let bound = approximate + Double(fixture.residuals[a]) * Double(fixture.residuals[b])
                    // No slack here: the bound must hold on its own, with the slack as spare.
                    #expect(SearchTestData.dot(vectors[a], vectors[b]) <= bound + 1e-6)
                }
            }
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() {
        let vectors = SearchTestData.structured(count: 300, dimension: 100, seed: 31)
        let results = [1, 2, 3].map { threads -> ([Float], [Float], [Float]) in
            let pool = ThreadPool(threadCount: threads)
            let fixture = ProjectedFixture(vectors, rank: 12, pool: pool)
            return (fixture.basis.rows, fixture.coordinates, fixture.residuals)
        }
        for other in results.dropFirst() {
            #expect(other.0 == results[0].0)
            #expect(other.1 == results[0].1)
            #expect(other.2 == results[0].2)
        }
    }

    @Test func storedRowsRoundTrip() {
        let pool = ThreadPool(threadCount: 1)
        let vectors = SearchTestData.structured(count: 50, dimension: 40, seed: 41)
        let learned = FeatureBasis.learn(samples: vectors, rank: 6, seed: 9, pool: pool)
        let loaded = FeatureBasis(rank: learned.rank, dimension: learned.dimension, rows: learned.rows)
        let flat = vectors.flatMap { $0 }
        #expect(loaded.project(flat, pool: pool).coordinates == learned.project(flat, pool: pool).coordinates)
    }

    @Test func normaliseScalesToUnitLengthAndRefusesZero() {
        var v: [Float] = [3, 0, 4]
        #expect(UnitVector.normalise(&v))
        #expect(v == [0.6, 0, 0.8])
        var zero: [Float] = [0, 0, 0]
        #expect(!UnitVector.normalise(&zero))
        #expect(zero == [0, 0, 0])
        var empty: [Float] = []
        #expect(!UnitVector.normalise(&empty))
    }

    @Test func generatorIsSeeded() {
        var a = SplitMix64(seed: 5)
        var b = SplitMix64(seed: 5)
        var c = SplitMix64(seed: 6)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
        var g = SplitMix64(seed: 1)
        let draws = (0..<20000).map { _ in g.nextGaussian() }
        let mean = draws.reduce(0, +) / 20000
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20000
        // 4.5 standard errors of the sample mean and variance.
        #expect(abs(mean) < 0.032 && abs(variance - 1) < 0.045)
    }
}
