/// The int8 form of an fc7 vector kept for similarity search (`feature_code`): the vector
/// v scaled to unit length, stored as `scale` × `code` with |code| ≤ 127, and `error`, an
/// upper bound on ‖v − scale·code‖. For any unit query q, Cauchy–Schwarz puts the exact
/// cosine q·v within ±error of scale·(q·code), so a search can score every image from 4
/// bytes a dimension and read float32 vectors only for the few whose interval still
/// reaches the results.
public struct FeatureCode: Sendable, Equatable {
    public var scale: Float
    public var error: Float
    public var code: [Int8]

    public init(scale: Float, error: Float, code: [Int8]) {
        self.scale = scale
        self.error = error
        self.code = code
    }

    /// `code` as stored: one signed byte per dimension.
    public var bytes: [UInt8] { code.map { UInt8(bitPattern: $0) } }
}
