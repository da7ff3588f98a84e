import VGGModel

/// Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
/// Gradient-based Localization", 2017) on the last convolution: where in the photo a class's
/// score comes from. The gradient of the class's logit is carried back through fc8, fc7 and
/// fc6 (matrix-vector products with this pass's ReLU masks) and pool5 (each 2×2 window's
/// maximum takes its window's gradient): no training, no general autodiff.
public enum GradCAM {
    /// The last convolution's output and what came after it, for one image.
    public struct Pass {
        /// C × H × W, after its ReLU and before its pool (conv5_3: 512 × 14 × 14).
        public var lastConvolution: [Float]
        public var channels: Int
        public var height: Int
        public var width: Int
        /// fc6 and fc7 after their ReLU (their masks are where these are positive).
        public var fc6: [Float]
        public var fc7: [Float]

        public init(lastConvolution: [Float], channels: Int, height: Int, width: Int, fc6: [Float], fc7: [Float]) {
            self.lastConvolution = lastConvolution
            self.channels = channels
            self.height = height
            self.width = width
            self.fc6 = fc6
            self.fc7 = fc7
        }
    }

    /// ∂ logit[target] / ∂ lastConvolution, C × H × W; `weights` are fc6, fc7 and fc8
    /// (outputs × inputs, as `WeightSource` gives them).
    public static func gradient(_ pass: Pass, weights: [LayerWeights], target: Int) -> [Float] {
        precondition(weights.count == 3, "fc6, fc7 and fc8")
        let (fc6Width, fc7Width) = (pass.fc6.count, pass.fc7.count)
        // fc8: the target's row; through fc7's ReLU.
        var g7 = [Float](repeating: 0, count: fc7Width)
        for i in 0..<fc7Width where pass.fc7[i] > 0 { g7[i] = weights[2].weight[target * fc7Width + i] }
        // fc7 transposed, through fc6's ReLU.
        var g6 = accumulateRows(weights[1].weight, columns: fc6Width, coefficients: g7)
        for j in 0..<fc6Width where pass.fc6[j] <= 0 { g6[j] = 0 }
        // fc6 transposed: the gradient on pool5, C × H/2 × W/2 flattened as fc6 reads it.
        let pooled = accumulateRows(weights[0].weight, columns: weights[0].weight.count / fc6Width, coefficients: g6)
        return unpool(pooled, pass)
    }

    /// Σ_r coefficients[r] · matrix[r, :] (rows with a zero coefficient skipped: ReLU masks
    /// make most of them zero).
    static func accumulateRows(_ matrix: [Float], columns: Int, coefficients: [Float]) -> [Float] {
        var sum = [Float](repeating: 0, count: columns)
        sum.withUnsafeMutableBufferPointer { out in
            matrix.withUnsafeBufferPointer { m in
                for (row, coefficient) in coefficients.enumerated() where coefficient != 0 {
                    let base = row * columns
                    for column in 0..<columns { out[column] += coefficient * m[base + column] }
                }
            }
        }
        return sum
    }

    /// The 2×2 max-pool backwards: each window's first maximum takes the window's gradient.
    static func unpool(_ pooled: [Float], _ pass: Pass) -> [Float] {
        let (h, w) = (pass.height, pass.width)
        let (ph, pw) = (h / 2, w / 2)
        var gradient = [Float](repeating: 0, count: pass.channels * h * w)
        for c in 0..<pass.channels {
            for y in 0..<ph {
                for x in 0..<pw {
                    var best = (c * h + 2 * y) * w + 2 * x
                    for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                        let index = (c * h + 2 * y + dy) * w + 2 * x + dx
                        if pass.lastConvolution[index] > pass.lastConvolution[best] { best = index }
                    }
                    gradient[best] += pooled[(c * ph + y) * pw + x]
                }
            }
        }
        return gradient
    }

    /// The class activation map, H × W: ReLU(Σ_k α_k A_k) with α_k the mean gradient of
    /// channel k, scaled so its maximum is 1 (all zero when nothing in the image raises the
    /// class's score).
    public static func map(_ pass: Pass, gradient: [Float]) -> [Float] {
        let plane = pass.height * pass.width
        var map = [Float](repeating: 0, count: plane)
        for k in 0..<pass.channels {
            let alpha = gradient[(k * plane)..<((k + 1) * plane)].reduce(0, +) / Float(plane)
            guard alpha != 0 else { continue }
            for p in 0..<plane { map[p] += alpha * pass.lastConvolution[k * plane + p] }
        }
        let peak = map.max() ?? 0
        return map.map { peak > 0 ? max($0, 0) / peak : 0 }
    }
}
