/// A matrix B (K × N) stored as IEEE half floats, packed exactly like `PackedMatrixB`
/// (nr-column micro-panels, K-blocked, columns past N zero). Half the bytes of float32: the
/// fully connected layers are limited by how fast their weights stream from memory, and
/// fc6 alone is 411 MB in float32.
public final class HalfPackedMatrixB {
    public let depth: Int
    public let columns: Int
    public let nr: Int
    public let paddedColumns: Int
    let storage: UnsafeMutablePointer<UInt16>

    /// Packs B from `element(k, column)` for `kernels`' tiles, rounding each value to the
    /// nearest half: a panel at a time through a float buffer, narrowed by the kernel set
    /// (F16C), since a conversion per element is a library call on the baseline.
    public init(depth: Int, columns: Int, kernels: KernelSet, element: (Int, Int) -> Float) {
        let nr = kernels.nr
        self.depth = depth
        self.columns = columns
        self.nr = nr
        paddedColumns = GEMMBlocking.roundUp(columns, to: nr)
        let count = max(paddedColumns * depth, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64)
        storage = raw.initializeMemory(as: UInt16.self, repeating: 0, count: count)
        let panel = AlignedBuffer(count: GEMMBlocking.kc * nr)
        panel.withUnsafeMutablePointer { floats in
            for block in GEMMBlocking.kBlocks(depth) {
                for p in 0..<(paddedColumns / nr) {
                    floats.update(repeating: 0, count: block.count * nr)
                    for jj in 0..<min(nr, columns - p * nr) {
                        for kk in 0..<block.count { floats[kk * nr + jj] = element(block.start + kk, p * nr + jj) }
                    }
                    kernels.narrowHalves(floats, count: block.count * nr, into: storage + panelOffset(k0: block.start, kcp: block.count, panel: p))
                }
            }
        }
    }

    deinit { storage.deallocate() }

    /// Element offset of the micro-panel for columns `panel*nr...` in the K block at `k0`.
    @inline(__always)
    func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedColumns * k0 + panel * nr * kcp }

    /// The micro-panel for columns `panel*nr...` of the K block at `k0` (kcp × nr halves).
    @inline(__always)
    func panel(k0: Int, kcp: Int, panel: Int) -> UnsafePointer<UInt16> {
        UnsafePointer(storage + panelOffset(k0: k0, kcp: kcp, panel: panel))
    }
}
