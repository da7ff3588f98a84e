import VGGCommon
import Testing
import VGGEngine
@testable import VGGSearch

@Suite("Vector kernels against their references")
struct VectorKernelTests {
    static func pointers<R>(_ a: [Float], _ b: [Float], _ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in body(x.baseAddress!, y.baseAddress!) } }
    }

    @Test(arguments: [1, 7, 8, 15, 16, 17, 33, 100, 4096])
    func dotAndDistanceMatchTheReference(count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        let a = (0..<count).map { _ in Float(random.nextGaussian()) }
        let b = (0..<count).map { _ in Float(random.nextGaussian()) }
        let dot = Self.pointers(a, b) { VectorKernels.dotF32AccumulateF64_simd16($0, $1, count: count) }
        let dotReference = Self.pointers(a, b) { ReferenceVectorKernels.dotF32AccumulateF64($0, $1, count: count) }
        // Same exact products, summed in another order: Double rounding only.
        #expect(abs(dot - dotReference) <= 1e-12 * Double(count))
        let distance = Self.pointers(a, b) { VectorKernels.distanceF32AccumulateF64_simd8($0, $1, count: count) }
        let distanceReference = Self.pointers(a, b) { ReferenceVectorKernels.distanceF32AccumulateF64($0, $1, count: count) }
        #expect(abs(distance - distanceReference) <= 1e-12 * Double(count))
    }

    @Test(arguments: [1, 8, 13, 16, 40, 256])
    func boundsMatchTheReference(rank: Int) {
        let rows = 37
        var random = SplitMix64(seed: UInt64(rank) + 100)
        let query = (0..<rank).map { _ in Float(random.nextGaussian()) / Float(rank).squareRoot() }
        let coordinates = (0..<(rows * rank)).map { _ in Float(random.nextGaussian()) / Float(rank).squareRoot() }
        let residuals = (0..<rows).map { _ in Float(random.nextUnitInterval()) }
        let pool = ThreadPool(threadCount: 2)
        let fast = VectorKernels.upperBounds(
            query: query, queryResidual: 0.3, coordinates: coordinates, residuals: residuals, rank: rank, slack: 1e-4, pool: pool)
        var reference = [Float](repeating: 0, count: rows)
        query.withUnsafeBufferPointer { q in
            coordinates.withUnsafeBufferPointer { c in
                residuals.withUnsafeBufferPointer { r in
                    reference.withUnsafeMutableBufferPointer { u in
                        ReferenceVectorKernels.upperBounds(
                            query: q.baseAddress!, queryResidual: 0.3, coordinates: c.baseAddress!, residuals: r.baseAddress!,
                            rank: rank, slack: 1e-4, rows: 0..<rows, bounds: u.baseAddress!)
                    }
                }
            }
        }
        // The float dot may differ from the Double one by rank · 6e-8 · Σ|products|: far inside the slack.
        for i in 0..<rows { #expect(abs(fast[i] - reference[i]) < 2e-6 * Float(rank)) }
    }

    @Test func heapKeepsTheBestRowsInOrder() {
        var heap = RankedHeap(capacity: 4)
        for (score, row) in [(0.5, 3), (0.9, 8), (0.5, 1), (0.1, 0), (0.9, 2), (0.7, 5), (0.5, 0)] {
            heap.offer(RankedRow(score: score, row: row))
        }
        #expect(heap.sortedBestFirst().map(\.row) == [2, 8, 5, 0])
        #expect(heap.worst?.row == 0 && heap.worst?.score == 0.5)
    }
}
