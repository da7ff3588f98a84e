/// The arithmetic of the convolutions, as the engine runs them and as an index records each
/// model's (one model keeps one precision: vectors of another would not compare alike).
public enum ComputePrecision: String, Sendable, CaseIterable {
    /// float32 throughout: the exact path.
    case f32
    /// bfloat16 inputs and weights, float sums, on the Winograd GEMMs of the convolutions
    /// in `bfloat16Convolutions` (float32 on the others): twice the multiply-adds per
    /// instruction on CPUs with AVX512_BF16. See README.md, "Reduced precision".
    case bf16
}
