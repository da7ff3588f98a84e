/// Cache blocking shared by the GEMM drivers (BLIS order: NC, KC, MC around the register
/// tile of the kernel set, mr × nr).
///
/// Measured on Zen 3 (512 KiB L2, 32 MiB L3) with the 6 × 16 tile: KC 256 keeps a B
/// micro-panel (16 KiB) in L1, MC ≈ 120 keeps an A block (120 KiB) in L2, NC 1024 keeps a
/// packed B block (1 MiB) in L3; the 14 × 32 tile keeps the same KC and NC and rounds MC to
/// whole tiles (126 rows).
public enum GEMMBlocking {
    public static let kc = 256
    public static let nc = 1024

    /// Rows of A per block for tiles of `mr` rows: about 120, in whole tiles.
    @inline(__always)
    public static func mc(mr: Int) -> Int { roundUp(120, to: mr) }

    /// `n` rounded up to a multiple of `multiple`.
    @inline(__always)
    public static func roundUp(_ n: Int, to multiple: Int) -> Int { (n + multiple - 1) / multiple * multiple }

    /// The K blocks of a reduction of length `k`, in order (a sequence, so that kernels
    /// iterate it without allocating).
    public static func kBlocks(_ k: Int) -> KBlocks { KBlocks(depth: k) }
}

/// One block of a blocked reduction.
public struct KBlock {
    public let index: Int
    public let start: Int
    public let count: Int
    public let isLast: Bool
}

/// The blocks of `GEMMBlocking.kc` (the last one shorter) covering 0..<depth.
public struct KBlocks: Sequence, IteratorProtocol {
    public let depth: Int
    private var index = 0

    init(depth: Int) { self.depth = depth }

    public mutating func next() -> KBlock? {
        let start = index * GEMMBlocking.kc
        guard start < depth else { return nil }
        let count = Swift.min(GEMMBlocking.kc, depth - start)
        defer { index += 1 }
        return KBlock(index: index, start: start, count: count, isLast: start + count == depth)
    }
}

/// A matrix A (M × K) packed once into mr-row micro-panels, K-blocked: for each K block
/// starting at k0 with length kcp, `ceil(M/mr)` panels of kcp × mr floats (k-major) follow
/// one another, beginning at float offset `paddedRows * k0`. Rows past M are zero.
public final class PackedMatrixA {
    public let rows: Int
    public let depth: Int
    /// Rows per micro-panel: the kernel set's `mr`.
    public let mr: Int
    public let paddedRows: Int
    public let storage: AlignedBuffer

    /// Packs A from `element(row, k)` for tiles of `mr` rows.
    public init(rows: Int, depth: Int, mr: Int, element: (Int, Int) -> Float) {
        self.rows = rows
        self.depth = depth
        self.mr = mr
        paddedRows = GEMMBlocking.roundUp(rows, to: mr)
        storage = AlignedBuffer(count: paddedRows * depth)
        let padded = paddedRows
        // The layout of a packed B with rows for columns: the same walk fills it.
        storage.withUnsafeMutablePointer { base in
            PackedMatrixB.forEachPackedElement(depth: depth, columns: rows, nr: mr, paddedColumns: padded) { base[$0] = element($2, $1) }
        }
    }

    /// Float offset of the micro-panel for rows `panel*mr...` in the K block starting at `k0`.
    @inline(__always)
    public func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedRows * k0 + panel * mr * kcp }
}

/// A matrix B (K × N) packed once into nr-column micro-panels, K-blocked: for each K block
/// starting at k0 with length kcp, `ceil(N/nr)` panels of kcp × nr floats (k-major) follow
/// one another, beginning at float offset `paddedColumns * k0`. Columns past N are zero.
public final class PackedMatrixB {
    public let depth: Int
    public let columns: Int
    /// Columns per micro-panel: the kernel set's `nr`.
    public let nr: Int
    public let paddedColumns: Int
    public let storage: AlignedBuffer

    /// Packs B from `element(k, column)` for tiles `nr` columns wide.
    public init(depth: Int, columns: Int, nr: Int, element: (Int, Int) -> Float) {
        self.depth = depth
        self.columns = columns
        self.nr = nr
        paddedColumns = GEMMBlocking.roundUp(columns, to: nr)
        storage = AlignedBuffer(count: paddedColumns * depth)
        let padded = paddedColumns
        storage.withUnsafeMutablePointer { base in
            Self.forEachPackedElement(depth: depth, columns: columns, nr: nr, paddedColumns: padded) { base[$0] = element($1, $2) }
        }
    }

    /// Panels of `nr` columns covering `columns` columns.
    public var panels: Int { paddedColumns / nr }

    /// Calls `body(offset, k, column)` for every element of a K × N matrix packed as
    /// nr-column micro-panels, K-blocked (the layout above); padding columns are skipped, so
    /// they keep the zeros the storage starts with. Shared with `HalfPackedMatrixB`.
    @inline(__always)
    static func forEachPackedElement(depth: Int, columns: Int, nr: Int, paddedColumns: Int, _ body: (Int, Int, Int) -> Void) {
        for block in GEMMBlocking.kBlocks(depth) {
            let k0 = block.start
            let kcp = block.count
            for panel in 0..<(paddedColumns / nr) {
                let start = paddedColumns * k0 + panel * nr * kcp
                // Column by column: each reads one source row (W[n][k0...]) in order, while
                // the panel it fills (kcp × nr) stays in L1.
                for jj in 0..<min(nr, columns - panel * nr) {
                    for kk in 0..<kcp { body(start + kk * nr + jj, k0 + kk, panel * nr + jj) }
                }
            }
        }
    }

    /// Float offset of the micro-panel for columns `panel*nr...` in the K block at `k0`.
    @inline(__always)
    public func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedColumns * k0 + panel * nr * kcp }
}
