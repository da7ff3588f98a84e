/// The channel-blocked activation layout of the Winograd layers: channels in blocks of 8,
/// each block holding every image of the batch, each pixel's 8 channels contiguous:
/// `value(c, n, y, x) = data[(((c / 8) · N + n) · H + y) · W + x) · 8 + c % 8]`.
///
/// One `SIMD8<Float>` is then 8 channels of one pixel, so the Winograd transforms are plain
/// vector arithmetic with no shuffles. Channel counts are padded to a multiple of 8 with
/// zeros (only the tiny test networks have such counts; every VGG16 layer after the first
/// has 64 to 512 channels).
public enum BlockedLayout {
    /// `channels` rounded up to whole blocks of 8.
    @inline(__always)
    public static func paddedChannels(_ channels: Int) -> Int { (channels + 7) / 8 * 8 }

    /// Floats an activation of this shape occupies in the blocked layout.
    public static func count(channels: Int, batch: Int, height: Int, width: Int) -> Int {
        paddedChannels(channels) * batch * height * width
    }

    /// CNHW planes → blocked, padding channels with zeros; `planeRange` selects channel
    /// blocks (for threads), each written whole.
    public static func fromPlanes(
        _ source: UnsafePointer<Float>, channels: Int, batch: Int, pixels: Int,
        into destination: UnsafeMutablePointer<Float>, blockRange: Range<Int>
    ) {
        let planeLength = batch * pixels
        for block in blockRange {
            let out = UnsafeMutableRawPointer(destination + block * planeLength * 8)
            let real = min(8, channels - block * 8)
            if real == 8 {
                // Eight planes read in step, one vector written per pixel.
                let p = (0..<8).map { source + (block * 8 + $0) * planeLength }
                let (p0, p1, p2, p3, p4, p5, p6, p7) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
                for i in 0..<planeLength {
                    let vector = SIMD8<Float>(p0[i], p1[i], p2[i], p3[i], p4[i], p5[i], p6[i], p7[i])
                    out.storeBytes(of: vector, toByteOffset: i * 32, as: SIMD8<Float>.self)
                }
                continue
            }
            for i in 0..<planeLength {
                var vector = SIMD8<Float>()
                for lane in 0..<real { vector[lane] = source[(block * 8 + lane) * planeLength + i] }
                out.storeBytes(of: vector, toByteOffset: i * 32, as: SIMD8<Float>.self)
            }
        }
    }

    /// Blocked → CNHW planes (real channels only); `blockRange` selects channel blocks.
    public static func toPlanes(
        _ source: UnsafePointer<Float>, channels: Int, batch: Int, pixels: Int,
        into destination: UnsafeMutablePointer<Float>, blockRange: Range<Int>
    ) {
        let planeLength = batch * pixels
        for block in blockRange {
            let input = source + block * planeLength * 8
            for lane in 0..<min(8, channels - block * 8) {
                let plane = destination + (block * 8 + lane) * planeLength
                for i in 0..<planeLength { plane[i] = input[i * 8 + lane] }
            }
        }
    }

    /// Blocked → one row per image in C, H, W order (torchvision's flatten of pool5).
    public static func flatten(
        _ source: UnsafePointer<Float>, channels: Int, batch: Int, pixels: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        for image in 0..<batch {
            for c in 0..<channels {
                let input = source + ((c / 8 * batch + image) * pixels) * 8 + c % 8
                let row = destination + (image * channels + c) * pixels
                for p in 0..<pixels { row[p] = input[p * 8] }
            }
        }
    }
}
