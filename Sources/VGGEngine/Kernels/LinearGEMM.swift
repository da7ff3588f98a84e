/// Fully connected layer over a whole batch as a GEMM: Y[M × N] = X[M × K] · B[K × N] + bias,
/// where X is the batch (row-major, one image per row) and B the weights packed once at load
/// (B[k][n] = W[n][k] for PyTorch's out × in layout). Every weight is read once per batch.
public enum LinearGEMM {
    /// Weights of one layer, in float32 or in half precision.
    public enum Weights {
        case float32(PackedMatrixB)
        case float16(HalfPackedMatrixB)

        /// Packs B (K × N) from `element(k, column)` in `precision`.
        public init(precision: EngineOptions.LinearPrecision, depth: Int, columns: Int, element: (Int, Int) -> Float) {
            switch precision {
            case .float32: self = .float32(PackedMatrixB(depth: depth, columns: columns, element: element))
            case .float16: self = .float16(HalfPackedMatrixB(depth: depth, columns: columns, element: element))
            }
        }

        public var depth: Int {
            switch self {
            case .float32(let b): return b.depth
            case .float16(let b): return b.depth
            }
        }

        public var columns: Int {
            switch self {
            case .float32(let b): return b.columns
            case .float16(let b): return b.columns
            }
        }

        /// The float32 B micro-panel for columns `panel*16...` of the K block at `k0`: in
        /// place for float32 weights, widened into `scratch` for half precision.
        @inline(__always)
        func panel(k0: Int, kcp: Int, panel: Int, scratch: UnsafeMutablePointer<Float>, _ body: (UnsafePointer<Float>) -> Void) {
            switch self {
            case .float32(let b):
                b.storage.withUnsafePointer { body($0 + b.panelOffset(k0: k0, kcp: kcp, panel: panel)) }
            case .float16(let b):
                b.widenPanel(k0: k0, kcp: kcp, panel: panel, into: scratch)
                body(UnsafePointer(scratch))
            }
        }
    }

    /// Computes all output columns for all `rows` on `pool`, each thread taking its slice of
    /// the panels with its own buffer from `packBuffers` (one per thread).
    public static func run(
        on pool: ThreadPool, input: AlignedBuffer, rows: Int, weights: Weights, bias: AlignedBuffer, relu: Bool,
        output: AlignedBuffer, packBuffers: [AlignedBuffer]
    ) {
        precondition(packBuffers.count >= pool.threadCount, "one pack buffer per thread")
        let panels = (weights.columns + 15) / 16
        bias.withUnsafePointer { b in
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        packBuffers[t].withUnsafeMutablePointer { pack in
                            run(input: x, rows: rows, weights: weights, bias: b, relu: relu, output: y,
                                panelRange: ThreadPool.slice(panels, thread: t, of: threads), packBuffer: pack)
                        }
                    }
                }
            }
        }
    }

    /// Computes output columns of panels `panelRange` (16 columns each) for all `rows`.
    ///
    /// - input: `rows` × `weights.depth`, row-major.
    /// - output: `rows` × `weights.columns`, row-major.
    /// - packBuffer: at least `GEMMBlocking.kc * roundUp(rows, 6) + GEMMBlocking.kc * 16` floats,
    ///   64-byte aligned, owned by the thread (the tail holds a widened half-precision panel).
    public static func run(
        input: UnsafePointer<Float>, rows: Int, weights: Weights, bias: UnsafePointer<Float>,
        relu: Bool, output: UnsafeMutablePointer<Float>, panelRange: Range<Int>,
        packBuffer: UnsafeMutablePointer<Float>
    ) {
        let depth = weights.depth
        let n = weights.columns
        let mPanels = (rows + 5) / 6
        let widened = packBuffer + GEMMBlocking.kc * mPanels * 6
        for block in GEMMBlocking.kBlocks(depth) {
            let k0 = block.start
            let kcp = block.count
            // Pack this K block of X into 6-row micro-panels (rows past `rows` are zero).
            for i in 0..<mPanels {
                let destination = packBuffer + i * 6 * kcp
                for ii in 0..<6 {
                    let row = i * 6 + ii
                    if row < rows {
                        let source = input + row * depth + k0
                        for kk in 0..<kcp { destination[kk * 6 + ii] = source[kk] }
                    } else {
                        for kk in 0..<kcp { destination[kk * 6 + ii] = 0 }
                    }
                }
            }
            let epilogue = GEMMEpilogue(accumulate: block.index > 0, relu: relu && block.isLast)
            for q in panelRange {
                let n0 = q * 16
                let validColumns = min(16, n - n0)
                var local = epilogue
                if block.index == 0 { local.columnBias = bias + n0 }
                weights.panel(k0: k0, kcp: kcp, panel: q, scratch: widened) { bPanel in
                    for i in 0..<mPanels {
                        let m0 = i * 6
                        let a = packBuffer + i * 6 * kcp
                        let c = output + m0 * n + n0
                        let validRows = min(6, rows - m0)
                        if validColumns == 16 {
                            gemmF32_6x16_simd8(kc: kcp, a: a, b: bPanel, c: c, cRowStride: n, rows: validRows, epilogue: local)
                        } else {
                            gemmF32_6x16_edge(
                                kc: kcp, a: a, b: bPanel, c: c, cRowStride: n, rows: validRows, columns: validColumns, epilogue: local)
                        }
                    }
                }
            }
        }
    }
}
