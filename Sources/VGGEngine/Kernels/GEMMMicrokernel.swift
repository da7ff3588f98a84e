/// How a GEMM microkernel combines its product with what is already in C.
public struct GEMMEpilogue {
    /// Add to C (later K blocks) instead of overwriting it (first K block).
    public var accumulate: Bool
    /// Added once, on the first K block: one value per C row, or one per C column.
    public var rowBias: UnsafePointer<Float>?
    public var columnBias: UnsafePointer<Float>?
    /// Clamp at zero after adding (only on the last K block).
    public var relu: Bool

    @inline(__always)
    public init(accumulate: Bool, rowBias: UnsafePointer<Float>? = nil, columnBias: UnsafePointer<Float>? = nil, relu: Bool = false) {
        self.accumulate = accumulate
        self.rowBias = rowBias
        self.columnBias = columnBias
        self.relu = relu
    }
}
