import VGGEngine

/// Candidate pairs of one block of rows against all later rows, on basis coordinates.
///
/// The whole coordinate matrix is packed once as a GEMM B operand (B[k][n] = coordinate k of
/// row n, so columns are rows). For a block of `blockRows` rows starting at row s, one GEMM
/// (`LinearGEMM`, block × rank times rank × (N − s)) scores the block against the 16-column
/// panels from the one holding row s onwards, `panelsPerChunk` panels at a time, and each
/// chunk is scanned while it is still in cache for pairs (a, b), a < b, with
/// S_ab + ρ_a·ρ_b ≥ limit. The scores buffer is block × N floats: the only large allocation.
///
/// Threads split the chunks of columns, so every score is computed the same way whatever
/// the thread count; candidates are returned sorted.
final class PairBlockScan {
    static let blockRows = 240
    static let panelsPerChunk = 32

    let count: Int
    let rank: Int
    private let coordinates: [Float]
    private let residuals: [Float]
    private let packed: PackedMatrixB
    private let scores: AlignedBuffer
    private let zeroBias: AlignedBuffer
    private let packBuffers: [AlignedBuffer]
    private let sinks: [CandidateSink]

    /// Packs the coordinates (N × rank, row-major) and sizes scratch for `threads` threads.
    init(coordinates: [Float], residuals: [Float], rank: Int, threads: Int) {
        let count = residuals.count
        precondition(rank >= 1 && coordinates.count == count * rank, "coordinates are not \(count) × \(rank)")
        self.count = count
        self.rank = rank
        self.coordinates = coordinates
        self.residuals = residuals
        packed = PackedMatrixB(depth: rank, columns: count) { k, row in coordinates[row * rank + k] }
        scores = AlignedBuffer(count: min(Self.blockRows, count) * count)
        zeroBias = AlignedBuffer(count: count)
        let packCount = GEMMBlocking.kc * GEMMBlocking.roundUp(Self.blockRows, to: GEMMBlocking.mr)
        packBuffers = (0..<threads).map { _ in AlignedBuffer(count: packCount) }
        sinks = (0..<threads).map { _ in CandidateSink() }
    }

    /// Pairs (a, b) with a in blockStart..<blockStart + blockRows, a < b < N and
    /// S_ab + ρ_a ρ_b ≥ limit, sorted by (a, b).
    func candidates(blockStart: Int, limit: Float, pool: ThreadPool) -> [(a: Int, b: Int)] {
        precondition(pool.threadCount <= sinks.count, "PairBlockScan prepared for fewer threads")
        let rows = min(Self.blockRows, count - blockStart)
        let n = count
        let rank = rank
        let firstPanel = blockStart / GEMMBlocking.nr
        let panelCount = (n + GEMMBlocking.nr - 1) / GEMMBlocking.nr
        let chunkCount = (panelCount - firstPanel + Self.panelsPerChunk - 1) / Self.panelsPerChunk
        coordinates.withUnsafeBufferPointer { c in
            residuals.withUnsafeBufferPointer { r in
                scores.withUnsafeMutablePointer { s in
                    zeroBias.withUnsafePointer { bias in
                        // Safe: the buffers hold N × rank, N and rows × N floats; each thread writes
                        // only the columns of its own chunks and its own sink.
                        guard let cb = c.baseAddress, let rb = r.baseAddress else { return }
                        pool.run { thread, threads in
                            let sink = sinks[thread]
                            sink.pairs.removeAll(keepingCapacity: true)
                            packBuffers[thread].withUnsafeMutablePointer { pack in
                                for chunk in ThreadPool.slice(chunkCount, thread: thread, of: threads) {
                                    let q0 = firstPanel + chunk * Self.panelsPerChunk
                                    let q1 = min(q0 + Self.panelsPerChunk, panelCount)
                                    LinearGEMM.run(
                                        input: cb + blockStart * rank, rows: rows, weights: .float32(packed), bias: bias,
                                        relu: false, output: s, panelRange: q0..<q1, packBuffer: pack)
                                    let columns = (q0 * GEMMBlocking.nr)..<min(q1 * GEMMBlocking.nr, n)
                                    for i in 0..<rows {
                                        let a = blockStart + i
                                        let from = max(columns.lowerBound, a + 1)
                                        guard from < columns.upperBound else { continue }
                                        scanRowF32_simd8(
                                            scores: s + i * n, residuals: rb, row: a, columns: from..<columns.upperBound,
                                            limit: limit, into: sink)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var all = [(a: Int, b: Int)]()
        for sink in sinks { all.append(contentsOf: sink.pairs) }
        all.sort { ($0.a, $0.b) < ($1.a, $1.b) }
        return all
    }

    /// Appends (row, j) for every j in `columns` with scores[j] + ρ_row ρ_j ≥ limit.
    @inline(__always)
    private func scanRowF32_simd8(
        scores: UnsafePointer<Float>, residuals: UnsafePointer<Float>, row: Int, columns: Range<Int>,
        limit: Float, into sink: CandidateSink
    ) {
        let rho = residuals[row]
        let rhoVector = SIMD8<Float>(repeating: rho)
        let limitVector = SIMD8<Float>(repeating: limit)
        let ps = UnsafeRawPointer(scores)
        let pr = UnsafeRawPointer(residuals)
        var j = columns.lowerBound
        while j + 8 <= columns.upperBound {
            // Safe: j + 8 <= upperBound <= N floats in the score row and the residuals.
            let total = ps.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                .addingProduct(rhoVector, pr.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self))
            let hits = total .>= limitVector
            if any(hits) {
                for lane in 0..<8 where hits[lane] { sink.pairs.append((row, j + lane)) }
            }
            j += 8
        }
        while j < columns.upperBound {
            if scores[j].addingProduct(rho, residuals[j]) >= limit { sink.pairs.append((row, j)) }
            j += 1
        }
    }
}

/// One thread's candidate pairs (a reference, so threads never share a mutable array).
final class CandidateSink {
    var pairs: [(a: Int, b: Int)] = []
}
