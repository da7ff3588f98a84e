import VGGEngine

/// An orthonormal basis Q of `rank` directions of R^dimension, learned from feature vectors,
/// that splits a vector v into coordinates c = Qv and a residual of norm ρ = ‖v − Qᵀc‖.
///
/// For unit vectors a and b, a·b = c_a·c_b + (a − Qᵀc_a)·(b − Qᵀc_b) ≤ c_a·c_b + ρ_a·ρ_b
/// (Cauchy–Schwarz). Searching the `rank` coordinates with that bound finds exactly the
/// results a search of the full vectors would, while reading `rank` floats per vector: the
/// closer the basis fits the data, the smaller ρ and the fewer full vectors need checking.
/// Any orthonormal basis gives a true bound; learning only makes it tight.
public struct FeatureBasis {
    /// Number of basis vectors (r).
    public let rank: Int
    /// Length of the feature vectors (D).
    public let dimension: Int
    /// The basis, row-major rank × dimension: row i is basis vector i.
    public let rows: [Float]
    /// The kernels the projections run with (and Q is packed for).
    public let kernels: KernelSet
    /// Q packed for the projection GEMMs, once per basis.
    let packing: BasisPacking

    /// Absolute slack added to every bound c_a·c_b + ρ_a·ρ_b. It covers the float error of
    /// the coordinate dot (≤ rank · 6e-8 for unit vectors, 1.5e-5 at rank 256) and the
    /// float basis being orthonormal only to ~1e-7, with room to spare.
    public static let boundSlack: Float = 1e-4

    /// A basis from stored rows (rank × dimension floats, orthonormal rows).
    public init(rank: Int, dimension: Int, rows: [Float], kernels: KernelSet = .default) {
        precondition(rank >= 1 && rank <= dimension, "basis rank \(rank) must be 1...\(dimension)")
        precondition(rows.count == rank * dimension, "basis has \(rows.count) floats, expected \(rank) × \(dimension)")
        self.rank = rank
        self.dimension = dimension
        self.rows = rows
        self.kernels = kernels
        packing = BasisPacking(rows: rows, rank: rank, dimension: dimension, nr: kernels.nr)
    }
}

/// Q packed twice as GEMM B operands: Qᵀ (dimension × rank) to project, Q (rank ×
/// dimension) to reconstruct Qᵀc for the residual.
final class BasisPacking {
    let forward: PackedMatrixB
    let backward: PackedMatrixB
    let zeroBias: AlignedBuffer

    init(rows: [Float], rank: Int, dimension: Int, nr: Int) {
        forward = PackedMatrixB(depth: dimension, columns: rank, nr: nr) { k, n in rows[n * dimension + k] }
        backward = PackedMatrixB(depth: rank, columns: dimension, nr: nr) { k, n in rows[k * dimension + n] }
        zeroBias = AlignedBuffer(count: max(rank, dimension))
    }
}
