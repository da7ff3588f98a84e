/// Fully connected layer over a whole batch as a GEMM: Y[M × N] = X[M × K] · B[K × N] + bias,
/// where X is the batch (row-major, one image per row) and B the weights packed once at load
/// (B[k][n] = W[n][k] for PyTorch's out × in layout). Every weight is read once per batch.
public enum LinearGEMM {
    /// Weights of one layer, in float32 or in half precision.
    public enum Weights {
        case float32(PackedMatrixB)
        case float16(HalfPackedMatrixB)

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

        /// One 6×16 (or smaller) block of C from the A micro-panel and B panel `panel`.
        @inline(__always)
        func multiply(
            kc: Int, a: UnsafePointer<Float>, k0: Int, panel: Int, c: UnsafeMutablePointer<Float>, cRowStride: Int,
            rows: Int, columns: Int, epilogue: GEMMEpilogue
        ) {
            switch self {
            case .float32(let b):
                b.storage.withUnsafePointer { storage in
                    let bPanel = storage + b.panelOffset(k0: k0, kcp: kc, panel: panel)
                    if columns == 16 {
                        gemmF32_6x16_simd8(kc: kc, a: a, b: bPanel, c: c, cRowStride: cRowStride, rows: rows, epilogue: epilogue)
                    } else {
                        gemmF32_6x16_edge(kc: kc, a: a, b: bPanel, c: c, cRowStride: cRowStride, rows: rows, columns: columns, epilogue: epilogue)
                    }
                }
            case .float16(let b):
                let bPanel = UnsafePointer(b.storage + b.panelOffset(k0: k0, kcp: kc, panel: panel))
                if columns == 16 {
                    gemmF32_6x16_halfB(kc: kc, a: a, b: bPanel, c: c, cRowStride: cRowStride, rows: rows, epilogue: epilogue)
                } else {
                    throughLocalTile(c: c, cRowStride: cRowStride, rows: rows, columns: columns, epilogue: epilogue) { tile, local in
                        gemmF32_6x16_halfB(kc: kc, a: a, b: bPanel, c: tile, cRowStride: 16, epilogue: local)
                    }
                }
            }
        }
    }

    /// Computes output columns of panels `panelRange` (16 columns each) for all `rows`.
    ///
    /// - input: `rows` × `weights.depth`, row-major.
    /// - output: `rows` × `weights.columns`, row-major.
    /// - packBuffer: at least `GEMMBlocking.kc * roundUp(rows, 6)` floats, owned by the thread.
    public static func run(
        input: UnsafePointer<Float>, rows: Int, weights: Weights, bias: UnsafePointer<Float>,
        relu: Bool, output: UnsafeMutablePointer<Float>, panelRange: Range<Int>,
        packBuffer: UnsafeMutablePointer<Float>
    ) {
        let depth = weights.depth
        let n = weights.columns
        let mPanels = (rows + 5) / 6
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
                for i in 0..<mPanels {
                    let m0 = i * 6
                    weights.multiply(
                        kc: kcp, a: packBuffer + i * 6 * kcp, k0: k0, panel: q, c: output + m0 * n + n0, cRowStride: n,
                        rows: min(6, rows - m0), columns: validColumns, epilogue: local)
                }
            }
        }
    }
}
