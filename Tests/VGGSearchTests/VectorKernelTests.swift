import Foundation
import VGGCommon
import Testing
import VGGEngine
@testable import VGGSearch

/// Every kernel set this CPU runs (as the engine tests sweep them).
let searchKernels: [KernelSet] = {
    let environment = ProcessInfo.processInfo.environment
    if !(environment[KernelSet.environmentVariable] ?? "").isEmpty, let named = try? KernelSet.fromEnvironment(environment) {
        return [named]
    }
    return KernelSet.available
}()

@Suite("Vector kernels against their references")
struct VectorKernelTests {
    static func pointers<R>(_ a: [Float], _ b: [Float], _ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in body(x.baseAddress!, y.baseAddress!) } }
    }

    @Test(arguments: [1, 7, 8, 15, 16, 17, 33, 100, 4096], searchKernels)
    func dotAndDistanceMatchTheReference(count: Int, kernels: KernelSet) {
        var random = SplitMix64(seed: UInt64(count))
        let a = (0..<count).map { _ in Float(random.nextGaussian()) }
        let b = (0..<count).map { _ in Float(random.nextGaussian()) }
        let dot = Self.pointers(a, b) { kernels.search.dotF32AccumulateF64($0, $1, count: count) }
        let dotReference = Self.pointers(a, b) { ReferenceVectorKernels.dotF32AccumulateF64($0, $1, count: count) }
        // Same exact products, summed in another order: Double rounding only.
        #expect(abs(dot - dotReference) <= 1e-12 * Double(count))
        let distance = Self.pointers(a, b) { kernels.search.distanceF32AccumulateF64($0, $1, count: count) }
        let distanceReference = Self.pointers(a, b) { ReferenceVectorKernels.distanceF32AccumulateF64($0, $1, count: count) }
        #expect(abs(distance - distanceReference) <= 1e-12 * Double(count))
    }

    @Test(arguments: [1, 8, 31, 32, 33, 100, 4096], searchKernels)
    func codeScoresMatchTheReference(dimension: Int, kernels: KernelSet) {
        let rows = 37
        var random = SplitMix64(seed: UInt64(dimension) + 100)
        var query = (0..<dimension).map { _ in Float(random.nextGaussian()) }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        query = query.map { $0 / norm }
        let codes = (0..<(rows * dimension)).map { _ in Int8(truncatingIfNeeded: Int(random.next() % 255) - 127) }
        let scales = (0..<rows).map { _ in Float(random.nextUnitInterval()) / 127 / Float(dimension).squareRoot() }
        let fast = VectorKernels.codeScores(
            query: query, codes: codes, scales: scales, dimension: dimension, pool: ThreadPool(threadCount: 2), kernels: kernels)
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

    /// The candidate scan finds every column whose bound reaches the limit, in order.
    @Test(arguments: [1, 15, 16, 17, 33, 100], searchKernels)
    func thresholdScanFindsEveryHit(count: Int, kernels: KernelSet) {
        var random = SplitMix64(seed: UInt64(count) + 7)
        let scores = (0..<count).map { _ in Float(random.nextUnit() * 2 - 1) }
        let residuals = (0..<count).map { _ in Float(random.nextUnit()) * 0.3 }
        let (rho, limit): (Float, Float) = (0.2, 0.5)
        for start in [0, 1, count / 2] where start < count {
            var hits = [Int32](repeating: -1, count: count)
            let found = scores.withUnsafeBufferPointer { s in
                residuals.withUnsafeBufferPointer { r in
                    hits.withUnsafeMutableBufferPointer { h in
                        kernels.search.thresholdScan(
                            scores: s.baseAddress!, residuals: r.baseAddress!, rho: rho, limit: limit, columns: start..<count,
                            hits: h.baseAddress!)
                    }
                }
            }
            // Away from the limit by more than float rounding, the answer is clear-cut.
            let expected = (start..<count).filter { scores[$0] + rho * residuals[$0] >= limit }
            let unclear = Set((start..<count).filter { abs(scores[$0] + rho * residuals[$0] - limit) < 1e-6 })
            #expect(Array(hits[0..<found]).map(Int.init).filter { !unclear.contains($0) } == expected.filter { !unclear.contains($0) })
        }
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
