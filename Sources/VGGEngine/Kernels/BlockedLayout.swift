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
            let out = destination + block * planeLength * 8
            for lane in 0..<8 {
                let c = block * 8 + lane
                if c >= channels {
                    for i in 0..<planeLength { out[i * 8 + lane] = 0 }
                    continue
                }
                let plane = source + c * planeLength
                for i in 0..<planeLength { out[i * 8 + lane] = plane[i] }
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
