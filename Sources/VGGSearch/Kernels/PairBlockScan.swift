import VGGEngine

/// Candidate pairs of one block of rows against all later rows, on basis coordinates.
///
/// The whole coordinate matrix is packed once as a GEMM B operand (B[k][n] = coordinate k of
/// row n, so columns are rows). For a block of `blockRows` rows starting at row s, one GEMM
/// (`LinearGEMM`, block × rank times rank × (N − s)) scores the block against the nr-column
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
    private let kernels: KernelSet

    /// Packs the coordinates (N × rank, row-major) and sizes scratch for `threads` threads.
    init(coordinates: [Float], residuals: [Float], rank: Int, threads: Int, kernels: KernelSet) {
        let count = residuals.count
        precondition(rank >= 1 && coordinates.count == count * rank, "coordinates are not \(count) × \(rank)")
        self.count = count
        self.rank = rank
        self.coordinates = coordinates
        self.residuals = residuals
        self.kernels = kernels
        packed = PackedMatrixB(depth: rank, columns: count, nr: kernels.nr) { k, row in coordinates[row * rank + k] }
        scores = AlignedBuffer(count: min(Self.blockRows, count) * count)
        zeroBias = AlignedBuffer(count: count)
        let packCount = LinearGEMM.packCount(rows: Self.blockRows, kernels: kernels)
        packBuffers = (0..<threads).map { _ in AlignedBuffer(count: packCount) }
        sinks = (0..<threads).map { _ in CandidateSink(capacity: count) }
    }

    /// Pairs (a, b) with a in blockStart..<blockStart + blockRows, a < b < N and
    /// S_ab + ρ_a ρ_b ≥ limit, sorted by (a, b).
    func candidates(blockStart: Int, limit: Float, pool: ThreadPool) -> [(a: Int, b: Int)] {
        precondition(pool.threadCount <= sinks.count, "PairBlockScan prepared for fewer threads")
        let rows = min(Self.blockRows, count - blockStart)
        let n = count
        let rank = rank
        let kernels = self.kernels
        let nr = kernels.nr
        let firstPanel = blockStart / nr
        let panelCount = packed.panels
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
                                        relu: false, output: s, panelRange: q0..<q1, packBuffer: pack, kernels: kernels)
                                    let columns = (q0 * nr)..<min(q1 * nr, n)
                                    for i in 0..<rows {
                                        let a = blockStart + i
                                        let from = max(columns.lowerBound, a + 1)
                                        guard from < columns.upperBound else { continue }
                                        sink.append(
                                            row: a, scores: s + i * n, residuals: rb, columns: from..<columns.upperBound,
                                            limit: limit, kernels: kernels)
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
}

/// One thread's candidate pairs (a reference, so threads never share a mutable array).
final class CandidateSink {
    var pairs: [(a: Int, b: Int)] = []
    /// The hits of one row, from the scan kernel.
    private let hits: UnsafeMutablePointer<Int32>

    /// Room for the hits of a row of `capacity` columns.
    init(capacity: Int) {
        hits = .allocate(capacity: max(capacity, 1))
    }

    deinit { hits.deallocate() }

    /// Appends (row, j) for every j in `columns` with scores[j] + ρ_row ρ_j ≥ limit.
    @inline(__always)
    func append(
        row: Int, scores: UnsafePointer<Float>, residuals: UnsafePointer<Float>, columns: Range<Int>, limit: Float,
        kernels: KernelSet
    ) {
        // Safe: `hits` holds N entries, and a row has at most N − 1 columns.
        let found = kernels.search.thresholdScan(
            scores: scores, residuals: residuals, rho: residuals[row], limit: limit, columns: columns, hits: hits)
        for i in 0..<found { pairs.append((row, Int(hits[i]))) }
    }
}
