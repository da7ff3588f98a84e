/// Sizes of tensors stated by untrusted files, computed without overflow.
public enum TensorSize {
    /// `elementSize` times the product of `shape`, or nil when that overflows `Int`.
    public static func bytes(shape: [Int], elementSize: Int) -> Int? {
        var product = elementSize
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
