import VGGCommon

/// The resize policies (`ResizePolicy`, in VGGCommon) applied to images.
extension ResizePolicy {
    /// `image` resized (and for `centerCrop` cropped) to `size` x `size` with Pillow's
    /// bilinear filter.
    public func apply(to image: RGBImage, size: Int = 224) -> RGBImage {
        precondition(size > 0, "target size must be positive")
        switch self {
        case .squash:
            return Resampler.resize(image, width: size, height: size)
        case .centerCrop:
            let resized = resizedSize(width: image.width, height: image.height, size: size)
            // The short side is at least `size` (256/224 > 1), so the crop always fits and
            // torchvision's zero padding for small images never applies.
            precondition(resized.width >= size && resized.height >= size)
            // Python's round() rounds halves to even; `.rounded()` would round them away
            // from zero and shift the crop by one pixel when the margin is odd.
            let left = Int((Double(resized.width - size) / 2).rounded(.toNearestOrEven))
            let top = Int((Double(resized.height - size) / 2).rounded(.toNearestOrEven))
            return Resampler.resize(
                image, width: resized.width, height: resized.height,
                columns: left..<(left + size), rows: top..<(top + size))
        }
    }

    /// The size the image is resized to before any crop: size x size for `squash`; for
    /// `centerCrop`, short side `minimumDecodedSide(size:)` and long side scaled in
    /// proportion and truncated, as torchvision's `Resize(int)` computes it.
    public func resizedSize(width: Int, height: Int, size: Int = 224) -> (width: Int, height: Int) {
        switch self {
        case .squash:
            return (size, size)
        case .centerCrop:
            let short = min(width, height)
            let long = max(width, height)
            let newShort = minimumDecodedSide(size: size)
            let newLong = Int(Double(newShort) * Double(long) / Double(short))
            return width <= height ? (newShort, newLong) : (newLong, newShort)
        }
    }

    /// The smallest side a decoder may scale an image down to (for example with JPEG DCT
    /// scaling) without the policy's result losing resolution: `size` for `squash`, the
    /// resize short side (256 for 224) for `centerCrop`.
    public func minimumDecodedSide(size: Int = 224) -> Int {
        switch self {
        case .squash:
            return size
        case .centerCrop:
            return Int((Double(size) * 256.0 / 224.0).rounded())
        }
    }
}
