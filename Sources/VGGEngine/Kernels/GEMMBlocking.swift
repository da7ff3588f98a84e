/// Cache blocking shared by the GEMM drivers (BLIS order: NC, KC, MC around a 6×16 kernel).
///
/// Measured on Zen 3 (512 KiB L2, 32 MiB L3): KC 256 keeps a B micro-panel (16 KiB) in L1,
/// MC 120 keeps an A block (120 KiB) in L2, NC 1024 keeps a packed B block (1 MiB) in L3.
public enum GEMMBlocking {
    public static let mr = 6
    public static let nr = 16
    public static let kc = 256
    public static let mc = 120
    public static let nc = 1024

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

/// A matrix A (M × K) packed once into 6-row micro-panels, K-blocked: for each K block
/// starting at k0 with length kcp, `ceil(M/6)` panels of kcp × 6 floats (k-major) follow
/// one another, beginning at float offset `paddedM * k0`. Rows past M are zero.
public final class PackedMatrixA {
    public let rows: Int
    public let depth: Int
    public let paddedRows: Int
    public let storage: AlignedBuffer

    /// Packs A from `element(row, k)`.
    public init(rows: Int, depth: Int, element: (Int, Int) -> Float) {
        self.rows = rows
        self.depth = depth
        paddedRows = GEMMBlocking.roundUp(rows, to: GEMMBlocking.mr)
        storage = AlignedBuffer(count: paddedRows * depth)
        let padded = paddedRows
        storage.withUnsafeMutablePointer { base in
            for block in GEMMBlocking.kBlocks(depth) {
                let k0 = block.start
                let kcp = block.count
                for panel in 0..<(padded / 6) {
                    let out = base + padded * k0 + panel * 6 * kcp
                    for kk in 0..<kcp {
                        for ii in 0..<6 {
                            let row = panel * 6 + ii
                            out[kk * 6 + ii] = row < rows ? element(row, k0 + kk) : 0
                        }
                    }
                }
            }
        }
    }

    /// Float offset of the micro-panel for rows `panel*6...` in the K block starting at `k0`.
    @inline(__always)
    public func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedRows * k0 + panel * 6 * kcp }
}

/// A matrix B (K × N) packed once into 16-column micro-panels, K-blocked: for each K block
/// starting at k0 with length kcp, `ceil(N/16)` panels of kcp × 16 floats (k-major) follow
/// one another, beginning at float offset `paddedColumns * k0`. Columns past N are zero.
public final class PackedMatrixB {
    public let depth: Int
    public let columns: Int
    public let paddedColumns: Int
    public let storage: AlignedBuffer

    /// Packs B from `element(k, column)`.
    public init(depth: Int, columns: Int, element: (Int, Int) -> Float) {
        self.depth = depth
        self.columns = columns
        paddedColumns = GEMMBlocking.roundUp(columns, to: GEMMBlocking.nr)
        storage = AlignedBuffer(count: paddedColumns * depth)
        let padded = paddedColumns
        storage.withUnsafeMutablePointer { base in
            Self.forEachPackedElement(depth: depth, columns: columns, paddedColumns: padded) { base[$0] = element($1, $2) }
        }
    }

    /// Calls `body(offset, k, column)` for every element of a K × N matrix packed as
    /// 16-column micro-panels, K-blocked (the layout above); padding columns are skipped, so
    /// they keep the zeros the storage starts with. Shared with `HalfPackedMatrixB`.
    @inline(__always)
    static func forEachPackedElement(depth: Int, columns: Int, paddedColumns: Int, _ body: (Int, Int, Int) -> Void) {
        for block in GEMMBlocking.kBlocks(depth) {
            let k0 = block.start
            let kcp = block.count
            for panel in 0..<(paddedColumns / 16) {
                let start = paddedColumns * k0 + panel * 16 * kcp
                for kk in 0..<kcp {
                    for jj in 0..<min(16, columns - panel * 16) { body(start + kk * 16 + jj, k0 + kk, panel * 16 + jj) }
                }
            }
        }
    }

    /// Float offset of the micro-panel for columns `panel*16...` in the K block at `k0`.
    @inline(__always)
    public func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedColumns * k0 + panel * 16 * kcp }
}
