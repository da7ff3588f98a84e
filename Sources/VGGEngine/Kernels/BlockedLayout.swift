/// The channel-blocked activation layout of the Winograd layers: channels in blocks of
/// `block` (the kernel set's vector width), each block holding every image of the batch,
/// each pixel's `block` channels contiguous:
/// `value(c, n, y, x) = data[(((c / block) · N + n) · H + y) · W + x) · block + c % block]`.
///
/// One vector is then `block` channels of one pixel, so the Winograd transforms are plain
/// vector arithmetic with no shuffles. Channel counts are padded to whole blocks with zeros
/// (every VGG16 layer after the first has 64 to 512 channels, a multiple of any block).
public enum BlockedLayout {
    /// `channels` rounded up to whole blocks.
    @inline(__always)
    public static func paddedChannels(_ channels: Int, block: Int) -> Int { (channels + block - 1) / block * block }

    /// Floats an activation of this shape occupies in the blocked layout.
    public static func count(channels: Int, batch: Int, height: Int, width: Int, block: Int) -> Int {
        paddedChannels(channels, block: block) * batch * height * width
    }

    /// Pixels converted at a time: a chunk of the blocked output (256 × block floats) stays
    /// in L1 while each of its `block` planes is read sequentially.
    static let chunkPixels = 256

    /// CNHW planes → blocked, padding channels with zeros; `blockRange` selects channel
    /// blocks (for threads), each written whole.
    public static func fromPlanes(
        _ source: UnsafePointer<Float>, channels: Int, batch: Int, pixels: Int, block: Int,
        into destination: UnsafeMutablePointer<Float>, blockRange: Range<Int>
    ) {
        let planeLength = batch * pixels
        for b in blockRange {
            let out = destination + b * planeLength * block
            let real = min(block, channels - b * block)
            var start = 0
            while start < planeLength {
                let end = min(start + chunkPixels, planeLength)
                for lane in 0..<block {
                    if lane < real {
                        let plane = source + (b * block + lane) * planeLength
                        for i in start..<end { out[i * block + lane] = plane[i] }
                    } else {
                        for i in start..<end { out[i * block + lane] = 0 }
                    }
                }
                start = end
            }
        }
    }

    /// Blocked → CNHW planes (real channels only); `blockRange` selects channel blocks.
    public static func toPlanes(
        _ source: UnsafePointer<Float>, channels: Int, batch: Int, pixels: Int, block: Int,
        into destination: UnsafeMutablePointer<Float>, blockRange: Range<Int>
    ) {
        let planeLength = batch * pixels
        for b in blockRange {
            let input = source + b * planeLength * block
            for lane in 0..<min(block, channels - b * block) {
                let plane = destination + (b * block + lane) * planeLength
                for i in 0..<planeLength { plane[i] = input[i * block + lane] }
            }
        }
    }

    /// Blocked → one row per image in C, H, W order (torchvision's flatten of pool5).
    public static func flatten(
        _ source: UnsafePointer<Float>, channels: Int, batch: Int, pixels: Int, block: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        for image in 0..<batch {
            for c in 0..<channels {
                let input = source + ((c / block * batch + image) * pixels) * block + c % block
                let row = destination + (image * channels + c) * pixels
                for p in 0..<pixels { row[p] = input[p * block] }
            }
        }
    }
}
