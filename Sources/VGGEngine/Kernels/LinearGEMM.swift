/// Fully connected layer over a whole batch as a GEMM: Y[M × N] = X[M × K] · B[K × N] + bias,
/// where X is the batch (row-major, one image per row) and B the weights packed once at load
/// (B[k][n] = W[n][k] for PyTorch's out × in layout). Every weight is read once per batch.
public enum LinearGEMM {
    /// Weights of one layer, in float32 or in half precision, packed for one kernel set.
    public enum Weights {
        case float32(PackedMatrixB)
        case float16(HalfPackedMatrixB)

        /// Packs B (K × N) from `element(k, column)` in `precision`, for `kernels`' tiles.
        public init(precision: EngineOptions.LinearPrecision, depth: Int, columns: Int, kernels: KernelSet, element: (Int, Int) -> Float) {
            switch precision {
            case .float32: self = .float32(PackedMatrixB(depth: depth, columns: columns, nr: kernels.nr, element: element))
            case .float16: self = .float16(HalfPackedMatrixB(depth: depth, columns: columns, kernels: kernels, element: element))
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

        public var nr: Int {
            switch self {
            case .float32(let b): return b.nr
            case .float16(let b): return b.nr
            }
        }

        /// Runs the microkernel for every row panel of packed X (`a`, `mPanels` panels of
        /// mr × kcp) against B's micro-panel for columns `panel*nr...` of the K block at `k0`
        /// (half-precision weights are widened by the kernel as it loads them).
        @inline(__always)
        func multiply(
            k0: Int, kcp: Int, panel: Int, a: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, ldc: Int,
            columns: Int, epilogue: GEMMEpilogue, kernels: KernelSet
        ) {
            switch self {
            case .float32(let b):
                b.storage.withUnsafePointer { storage in
                    kernels.gemmPacked(
                        kc: kcp, a: a, b: storage + b.panelOffset(k0: k0, kcp: kcp, panel: panel), c: output, ldc: ldc, rows: rows,
                        columns: columns, epilogue: epilogue)
                }
            case .float16(let b):
                kernels.gemmPackedHalf(
                    kc: kcp, a: a, b: b.panel(k0: k0, kcp: kcp, panel: panel), c: output, ldc: ldc, rows: rows, columns: columns,
                    epilogue: epilogue)
            }
        }
    }

    /// Floats of pack buffer one thread needs for up to `rows` rows: the packed X block.
    public static func packCount(rows: Int, kernels: KernelSet) -> Int {
        GEMMBlocking.kc * GEMMBlocking.roundUp(rows, to: kernels.mr)
    }

    /// Computes all output columns for all `rows` on `pool`, each thread taking its slice of
    /// the panels with its own buffer from `packBuffers` (one per thread).
    public static func run(
        on pool: ThreadPool, input: AlignedBuffer, rows: Int, weights: Weights, bias: AlignedBuffer, relu: Bool,
        output: AlignedBuffer, packBuffers: [AlignedBuffer], kernels: KernelSet
    ) {
        precondition(packBuffers.count >= pool.threadCount, "one pack buffer per thread")
        let panels = (weights.columns + weights.nr - 1) / weights.nr
        bias.withUnsafePointer { b in
            input.withUnsafePointer { x in
                output.withUnsafeMutablePointer { y in
                    pool.run { t, threads in
                        packBuffers[t].withUnsafeMutablePointer { pack in
                            run(input: x, rows: rows, weights: weights, bias: b, relu: relu, output: y,
                                panelRange: ThreadPool.slice(panels, thread: t, of: threads), packBuffer: pack, kernels: kernels)
                        }
                    }
                }
            }
        }
    }

    /// Computes output columns of panels `panelRange` (nr columns each) for all `rows`.
    ///
    /// - input: `rows` × `weights.depth`, row-major.
    /// - output: `rows` × `weights.columns`, row-major.
    /// - packBuffer: `packCount(rows:kernels:)` floats, 64-byte aligned, owned by the thread.
    /// - kernels: the set the weights were packed for (`weights.nr == kernels.nr`).
    public static func run(
        input: UnsafePointer<Float>, rows: Int, weights: Weights, bias: UnsafePointer<Float>,
        relu: Bool, output: UnsafeMutablePointer<Float>, panelRange: Range<Int>,
        packBuffer: UnsafeMutablePointer<Float>, kernels: KernelSet
    ) {
        precondition(weights.nr == kernels.nr, "weights packed for another kernel set")
        let depth = weights.depth
        let n = weights.columns
        let mr = kernels.mr
        let nr = kernels.nr
        let mPanels = (rows + mr - 1) / mr
        for block in GEMMBlocking.kBlocks(depth) {
            let k0 = block.start
            let kcp = block.count
            // Pack this K block of X into mr-row micro-panels (rows past `rows` are zero).
            for i in 0..<mPanels {
                let destination = packBuffer + i * mr * kcp
                for ii in 0..<mr {
                    let row = i * mr + ii
                    if row < rows {
                        let source = input + row * depth + k0
                        for kk in 0..<kcp { destination[kk * mr + ii] = source[kk] }
                    } else {
                        for kk in 0..<kcp { destination[kk * mr + ii] = 0 }
                    }
                }
            }
            let epilogue = GEMMEpilogue(accumulate: block.index > 0, relu: relu && block.isLast)
            for q in panelRange {
                let n0 = q * nr
                var local = epilogue
                if block.index == 0 { local.columnBias = bias + n0 }
                weights.multiply(
                    k0: k0, kcp: kcp, panel: q, a: packBuffer, rows: rows, output: output + n0, ldc: n, columns: min(nr, n - n0),
                    epilogue: local, kernels: kernels)
            }
        }
    }
}
