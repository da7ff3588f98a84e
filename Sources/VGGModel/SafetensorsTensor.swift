/// One tensor's entry in a safetensors header: its element type, shape and where its bytes sit.
///
/// Only `SafetensorsFile` creates these, after checking that the shape's element count
/// fits in `Int` and that the bytes lie inside the file.
public struct SafetensorsTensor: Sendable, Equatable {
    /// The tensor's name in the header, such as `features.0.weight`.
    public let name: String
    /// The element type as the header spells it, such as `F32` or `BF16`.
    public let dtype: String
    /// Dimensions, outermost first; empty for a scalar.
    public let shape: [Int]
    /// Offset of the first byte from the start of the file (not from the data section).
    public let byteOffset: Int
    /// Length of the tensor's bytes: `elementCount` times the element size.
    public let byteCount: Int

    /// Number of elements: the product of `shape`, 1 for a scalar.
    public var elementCount: Int {
        // Validation checked this product (times the element size) for overflow.
        shape.reduce(1, *)
    }

    /// Bytes per element for every dtype the safetensors format defines that vggbatch knows;
    /// a header naming any other dtype is refused.
    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2,
        "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U8": 1, "BOOL": 1,
    ]
}
