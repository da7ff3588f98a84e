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

    @Test(arguments: [1, 8, 31, 32, 33, 100, 4096])
    func codeScoresMatchTheReference(dimension: Int) {
        let rows = 37
        var random = SplitMix64(seed: UInt64(dimension) + 100)
        var query = (0..<dimension).map { _ in Float(random.nextGaussian()) }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        query = query.map { $0 / norm }
        let codes = (0..<(rows * dimension)).map { _ in Int8(truncatingIfNeeded: Int(random.next() % 255) - 127) }
        let scales = (0..<rows).map { _ in Float(random.nextUnitInterval()) / 127 / Float(dimension).squareRoot() }
        let fast = VectorKernels.codeScores(query: query, codes: codes, scales: scales, dimension: dimension, pool: ThreadPool(threadCount: 2))
        var reference = [Float](repeating: 0, count: rows)
        query.withUnsafeBufferPointer { q in
            codes.withUnsafeBufferPointer { c in
                scales.withUnsafeBufferPointer { s in
                    reference.withUnsafeMutableBufferPointer { e in
                        ReferenceVectorKernels.codeScores(
                            query: q.baseAddress!, codes: c.baseAddress!, scales: s.baseAddress!, dimension: dimension,
                            rows: 0..<rows, scores: e.baseAddress!)
                    }
                }
            }
        }
        // Rows of norm ≤ 2 against a unit query: the float dot's error is far below the search's 1e-4 slack.
        for i in 0..<rows { #expect(abs(fast[i] - reference[i]) < 1e-5, "row \(i)") }
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
