/// A matrix B (K × N) stored as IEEE half floats, packed exactly like `PackedMatrixB`
/// (16-column micro-panels, K-blocked, columns past N zero). Half the bytes of float32: the
/// fully connected layers are limited by how fast their weights stream from memory, and
/// fc6 alone is 411 MB in float32.
public final class HalfPackedMatrixB {
    public let depth: Int
    public let columns: Int
    public let paddedColumns: Int
    let storage: UnsafeMutablePointer<Float16>

    /// Packs B from `element(k, column)`, rounding each value to the nearest half.
    public init(depth: Int, columns: Int, element: (Int, Int) -> Float) {
        self.depth = depth
        self.columns = columns
        paddedColumns = GEMMBlocking.roundUp(columns, to: GEMMBlocking.nr)
        let count = max(paddedColumns * depth, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 2, alignment: 64)
        storage = raw.initializeMemory(as: Float16.self, repeating: 0, count: count)
        let halves = storage
        PackedMatrixB.forEachPackedElement(depth: depth, columns: columns, paddedColumns: paddedColumns) { offset, k, column in
            halves[offset] = Float16(element(k, column))
        }
    }

    deinit { storage.deallocate() }

    /// Element offset of the micro-panel for columns `panel*16...` in the K block at `k0`.
    @inline(__always)
    func panelOffset(k0: Int, kcp: Int, panel: Int) -> Int { paddedColumns * k0 + panel * 16 * kcp }

    /// Widens the micro-panel for columns `panel*16...` of the K block at `k0` (kcp × 16
    /// halves) into `destination` as float32 (F16C), ready for the float32 microkernel. Done
    /// once per panel and K block, however many row panels then use it.
    @inline(__always)
    func widenPanel(k0: Int, kcp: Int, panel: Int, into destination: UnsafeMutablePointer<Float>) {
        let source = UnsafeRawPointer(storage + panelOffset(k0: k0, kcp: kcp, panel: panel))
        let out = UnsafeMutableRawPointer(destination)
        for kk in 0..<kcp {
            // Safe: the panel holds kcp * 16 halves, 32-byte aligned; destination kcp * 16 floats.
            let halves = source.load(fromByteOffset: kk * 32, as: SIMD16<Float16>.self)
            out.storeBytes(of: SIMD8<Float>(halves.lowHalf), toByteOffset: kk * 64, as: SIMD8<Float>.self)
            out.storeBytes(of: SIMD8<Float>(halves.highHalf), toByteOffset: kk * 64 + 32, as: SIMD8<Float>.self)
        }
    }
}
