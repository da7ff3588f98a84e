import Foundation

/// Row-wise softmax, max-subtracted so large logits cannot overflow.
public enum Softmax {
    /// Writes softmax(`input` row) for `rows` rows of `columns` floats.
    public static func rows(
        _ input: UnsafePointer<Float>, rows: Int, columns: Int, output: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            let x = input + r * columns
            let y = output + r * columns
            var largest = -Float.infinity
            for j in 0..<columns { largest = max(largest, x[j]) }
            var sum: Double = 0
            for j in 0..<columns {
                let e = Foundation.exp(x[j] - largest)
                y[j] = e
                sum += Double(e)
            }
            let scale = Float(1 / sum)
            for j in 0..<columns { y[j] *= scale }
        }
    }
}
