import Foundation

/// Plain, obviously correct versions of every operation, kept forever as the oracle the fast
/// kernels are tested against. Layout NCHW, weights K×C×R×S (PyTorch), sums in Double.
public enum ReferenceKernels {
    /// The nearest bfloat16 of `x` (ties to even), as a float.
    public static func bfloat16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    /// The bfloat16 Winograd convolution as the engine defines it, computed plainly: for each
    /// 4×4 output tile, V = Bᵀ d B of its 6×6 input patch (zero outside the image) and
    /// U = G g Gᵀ of each filter, each rounded to Float and then to bfloat16; the 36
    /// element-wise products summed over input channels in Double; Y = Aᵀ M A in Double,
    /// plus bias, ReLU. Transform points 0, ±1, ±2 (Lavin & Gray). Same shapes as
    /// `convolution3x3` (with ReLU).
    public static func winogradBFloat16(
        input: [Float], batch: Int, channels: Int, height: Int, width: Int,
        weight: [Float], bias: [Float], outputChannels: Int
    ) -> [Float] {
        let bt: [[Double]] = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
        let g: [[Double]] = [[0.25, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6], [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        let at: [[Double]] = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
        // U[k][c][ξ], rounded as the engine packs it.
        var u = [Float](repeating: 0, count: outputChannels * channels * 36)
        for k in 0..<outputChannels {
            for c in 0..<channels {
                let f = (0..<9).map { Double(weight[(k * channels + c) * 9 + $0]) }
                for r in 0..<6 {
                    for s in 0..<6 {
                        var value = 0.0
                        for i in 0..<3 { for j in 0..<3 { value += g[r][i] * f[i * 3 + j] * g[s][j] } }
                        u[(k * channels + c) * 36 + r * 6 + s] = bfloat16(Float(value))
                    }
                }
            }
        }
        var output = [Float](repeating: 0, count: batch * outputChannels * height * width)
        var v = [Float](repeating: 0, count: channels * 36)
        for b in 0..<batch {
            for ty in stride(from: 0, to: height, by: 4) {
                for tx in stride(from: 0, to: width, by: 4) {
                    for c in 0..<channels {
                        var d = [Double](repeating: 0, count: 36)
                        for i in 0..<6 {
                            for j in 0..<6 {
                                let y = ty + i - 1, x = tx + j - 1
                                if y >= 0 && y < height && x >= 0 && x < width { d[i * 6 + j] = Double(input[((b * channels + c) * height + y) * width + x]) }
                            }
                        }
                        for r in 0..<6 {
                            for s in 0..<6 {
                                var value = 0.0
                                for i in 0..<6 { for j in 0..<6 { value += bt[r][i] * d[i * 6 + j] * bt[s][j] } }
                                v[c * 36 + r * 6 + s] = bfloat16(Float(value))
                            }
                        }
                    }
                    for k in 0..<outputChannels {
                        var m = [Double](repeating: 0, count: 36)
                        for c in 0..<channels {
                            for xi in 0..<36 { m[xi] += Double(u[(k * channels + c) * 36 + xi]) * Double(v[c * 36 + xi]) }
                        }
                        for a in 0..<4 {
                            for e in 0..<4 {
                                let y = ty + a, x = tx + e
                                guard y < height && x < width else { continue }
                                var value = Double(bias[k])
                                for i in 0..<6 { for j in 0..<6 { value += at[a][i] * m[i * 6 + j] * at[e][j] } }
                                output[((b * outputChannels + k) * height + y) * width + x] = max(Float(value), 0)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Direct 3×3 convolution, stride 1, zero padding 1, plus bias; optional ReLU.
    /// input [n, c, h, w], weight [k, c, 3, 3], bias [k] → [n, k, h, w].
    public static func convolution3x3(
        input: [Float], batch: Int, channels: Int, height: Int, width: Int,
        weight: [Float], bias: [Float], outputChannels: Int, relu: Bool = false
    ) -> [Float] {
        precondition(input.count == batch * channels * height * width, "input size")
        precondition(weight.count == outputChannels * channels * 9 && bias.count == outputChannels, "weight size")
        var output = [Float](repeating: 0, count: batch * outputChannels * height * width)
        for b in 0..<batch {
            for k in 0..<outputChannels {
                for y in 0..<height {
                    for x in 0..<width {
                        var sum = Double(bias[k])
                        for c in 0..<channels {
                            for r in 0..<3 {
                                let sy = y + r - 1
                                if sy < 0 || sy >= height { continue }
                                for s in 0..<3 {
                                    let sx = x + s - 1
                                    if sx < 0 || sx >= width { continue }
                                    let value = input[((b * channels + c) * height + sy) * width + sx]
                                    sum += Double(value) * Double(weight[((k * channels + c) * 3 + r) * 3 + s])
                                }
                            }
                        }
                        let result = Float(sum)
                        output[((b * outputChannels + k) * height + y) * width + x] = relu ? max(result, 0) : result
                    }
                }
            }
        }
        return output
    }

    /// 2×2 max-pooling, stride 2, floor. input [planes, h, w] → [planes, h/2, w/2].
    public static func maxPool2x2(input: [Float], planes: Int, height: Int, width: Int) -> [Float] {
        let oh = height / 2
        let ow = width / 2
        var output = [Float](repeating: 0, count: planes * oh * ow)
        for p in 0..<planes {
            for y in 0..<oh {
                for x in 0..<ow {
                    let base = p * height * width
                    let values = [
                        input[base + 2 * y * width + 2 * x], input[base + 2 * y * width + 2 * x + 1],
                        input[base + (2 * y + 1) * width + 2 * x], input[base + (2 * y + 1) * width + 2 * x + 1],
                    ]
                    output[(p * oh + y) * ow + x] = values.max() ?? 0
                }
            }
        }
        return output
    }

    /// max(x, 0) element-wise.
    public static func relu(_ values: [Float]) -> [Float] { values.map { max($0, 0) } }

    /// C[m × n] = A[m × k] · B[k × n], all row-major.
    public static func gemm(a: [Float], b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        precondition(a.count == m * k && b.count == k * n, "gemm sizes")
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    /// Fully connected: input [rows, inputs], weight [outputs, inputs] (PyTorch), bias [outputs].
    public static func linear(
        input: [Float], rows: Int, inputs: Int, weight: [Float], bias: [Float], outputs: Int, relu: Bool = false
    ) -> [Float] {
        precondition(input.count == rows * inputs && weight.count == outputs * inputs && bias.count == outputs, "linear sizes")
        var output = [Float](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var sum = Double(bias[o])
                for i in 0..<inputs { sum += Double(input[r * inputs + i]) * Double(weight[o * inputs + i]) }
                let result = Float(sum)
                output[r * outputs + o] = relu ? max(result, 0) : result
            }
        }
        return output
    }

    /// Softmax of each row of `columns` values.
    public static func softmax(_ input: [Float], rows: Int, columns: Int) -> [Float] {
        var output = [Float](repeating: 0, count: input.count)
        for r in 0..<rows {
            let row = input[(r * columns)..<((r + 1) * columns)].map(Double.init)
            let largest = row.max() ?? 0
            let exps = row.map { Foundation.exp($0 - largest) }
            let sum = exps.reduce(0, +)
            for j in 0..<columns { output[r * columns + j] = Float(exps[j] / sum) }
        }
        return output
    }
}
