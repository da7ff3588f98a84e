import VGGEngine

/// Y = X · B for many rows of X, through `LinearGEMM`, with the rows split between threads.
///
/// Each thread takes a contiguous slice of rows and multiplies it `GEMMBlocking.mc(mr:)` rows at a
/// time, so its packed block of X stays in L2 while B streams past. Every output element is
/// summed in the same order whichever thread or block computes it.
enum RowBlockGEMM {
    /// output[rows × weights.columns] = input[rows × weights.depth] · B, both row-major.
    ///
    /// Allocates its scratch (one pack buffer per thread and a zero bias) per call: callers
    /// are whole passes over thousands of rows, where that is noise.
    static func multiply(
        _ input: UnsafePointer<Float>, rows: Int, weights: PackedMatrixB,
        into output: UnsafeMutablePointer<Float>, pool: ThreadPool, kernels: KernelSet
    ) {
        let depth = weights.depth
        let columns = weights.columns
        let panels = 0..<weights.panels
        let zeroBias = AlignedBuffer(count: columns)
        let blockRows = GEMMBlocking.mc(mr: kernels.mr)
        let packCount = LinearGEMM.packCount(rows: blockRows, kernels: kernels)
        let packBuffers = (0..<pool.threadCount).map { _ in AlignedBuffer(count: packCount) }
        zeroBias.withUnsafePointer { bias in
            pool.run { thread, threads in
                let mine = ThreadPool.slice(rows, thread: thread, of: threads)
                packBuffers[thread].withUnsafeMutablePointer { pack in
                    var start = mine.lowerBound
                    while start < mine.upperBound {
                        let count = min(blockRows, mine.upperBound - start)
                        // Safe: rows start..<start+count lie inside both matrices; each thread
                        // writes only its own rows of the output.
                        LinearGEMM.run(
                            input: input + start * depth, rows: count, weights: .float32(weights), bias: bias,
                            relu: false, output: output + start * columns, panelRange: panels, packBuffer: pack, kernels: kernels)
                        start += count
                    }
                }
            }
        }
    }

    /// Row-major product of `rows` × `weights.depth` floats with B, as a new array.
    static func multiply(_ input: [Float], rows: Int, weights: PackedMatrixB, pool: ThreadPool, kernels: KernelSet) -> [Float] {
        precondition(input.count == rows * weights.depth, "input is not rows × depth")
        var output = [Float](repeating: 0, count: rows * weights.columns)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                // Safe: the buffers hold exactly rows × depth and rows × columns floats.
                guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
                multiply(xb, rows: rows, weights: weights, into: yb, pool: pool, kernels: kernels)
            }
        }
        return output
    }
}
