import Foundation

/// Global descriptors pooled from one image's last convolution output (conv5_3 after its
/// ReLU, C × H × W), the representations instance-level retrieval uses with VGG16: one
/// float per channel, L2-normalised.
///
/// - GeM (generalised mean, Radenović et al. 2018): per channel (mean of max(x, ε)^p)^(1/p)
///   with p = 3, between average (p = 1) and max pooling (p → ∞).
/// - R-MAC (regional maximum activations, Tolias et al. 2016): square regions at three
///   scales (`regions`), each max-pooled per channel and L2-normalised, summed, and the sum
///   L2-normalised.
///
/// A map that is zero everywhere gives the zero vector (it has no direction).
public enum PooledDescriptors {
    /// GeM's p. The loop below cubes: changing p means changing that line too.
    public static let gemPower: Float = 3
    /// Floor of GeM's inputs, so a channel of zeros still has a finite mean.
    public static let gemFloor: Float = 1e-6
    /// Region scales of R-MAC.
    public static let rmacLevels = 3

    /// GeM of `map` (channels × height × width) into `output` (channels floats).
    public static func gem(_ map: UnsafePointer<Float>, channels: Int, height: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        let plane = height * width
        var active = false
        for c in 0..<channels {
            let values = map + c * plane
            var sum: Double = 0
            for i in 0..<plane {
                active = active || values[i] > gemFloor
                let x = Double(max(values[i], gemFloor))
                sum += x * x * x  // x^p, p = gemPower = 3
            }
            output[c] = Float(Foundation.pow(sum / Double(plane), 1 / Double(gemPower)))
        }
        guard active else {
            // Nothing above the floor: an all-zero map, which has no direction.
            output.update(repeating: 0, count: channels)
            return
        }
        normalise(output, count: channels)
    }

    /// R-MAC of `map` (channels × height × width) into `output` (channels floats).
    public static func rmac(_ map: UnsafePointer<Float>, channels: Int, height: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: channels)
        var regional = [Float](repeating: 0, count: channels)
        for region in regions(height: height, width: width) {
            regional.withUnsafeMutableBufferPointer { r in
                guard let r = r.baseAddress else { return }
                for c in 0..<channels {
                    let plane = map + c * height * width
                    var best = -Float.infinity
                    for y in region.top..<(region.top + region.size) {
                        for x in region.left..<(region.left + region.size) { best = max(best, plane[y * width + x]) }
                    }
                    r[c] = best
                }
                normalise(r, count: channels)
                for c in 0..<channels { output[c] += r[c] }
            }
        }
        normalise(output, count: channels)
    }

    /// A square region of the map, in map cells.
    public struct Region: Equatable, Sendable {
        public var top: Int
        public var left: Int
        public var size: Int

        public init(top: Int, left: Int, size: Int) {
            self.top = top
            self.left = left
            self.size = size
        }
    }

    /// R-MAC's regions of an height × width map. At level l (1...3) the side is
    /// ⌊2·min(H, W)/(l + 1)⌋; l regions fit along the short side and l + e along the long one,
    /// where e (0 for a square map) makes neighbours overlap closest to 40%, and their
    /// origins are spread evenly from one edge to the other. A 14 × 14 map (VGG16 at 224)
    /// gives 1 + 4 + 9 regions of 14, 9 and 7 cells a side.
    public static func regions(height: Int, width: Int) -> [Region] {
        let short = min(height, width)
        let long = max(height, width)
        var extra = 0
        if long > short {
            // e such that regions of the short side's size, e + 1 along the long side,
            // overlap by the fraction closest to 0.4.
            var bestError = Double.infinity
            for steps in 2...7 {
                let stride = Double(long - short) / Double(steps - 1)
                let overlap = (Double(short * short) - Double(short) * stride) / Double(short * short)
                let error = abs(overlap - 0.4)
                if error < bestError {
                    bestError = error
                    extra = steps - 1
                }
            }
        }
        var result = [Region]()
        for level in 1...rmacLevels {
            let size = 2 * short / (level + 1)
            guard size > 0 else { continue }
            let alongWidth = level + (width > height ? extra : 0)
            let alongHeight = level + (height > width ? extra : 0)
            for top in origins(count: alongHeight, extent: height, size: size) {
                for left in origins(count: alongWidth, extent: width, size: size) {
                    result.append(Region(top: top, left: left, size: size))
                }
            }
        }
        return result
    }

    /// `count` origins of regions of `size` spread evenly over `extent`: ⌊i·(extent − size)/(count − 1)⌋,
    /// first at 0, last at extent − size.
    private static func origins(count: Int, extent: Int, size: Int) -> [Int] {
        guard count > 1 else { return [0] }
        return (0..<count).map { $0 * (extent - size) / (count - 1) }
    }

    /// Scales `vector` to unit length (left as it is when it is all zeros).
    private static func normalise(_ vector: UnsafeMutablePointer<Float>, count: Int) {
        var sum: Double = 0
        for i in 0..<count { sum += Double(vector[i]) * Double(vector[i]) }
        guard sum > 0 else { return }
        let scale = Float(1 / sum.squareRoot())
        for i in 0..<count { vector[i] *= scale }
    }
}
