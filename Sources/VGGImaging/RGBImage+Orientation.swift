extension RGBImage {
    /// The upright picture for an image stored with the given EXIF orientation.
    ///
    /// For orientations 5–8 the result is `height` wide and `width` tall. `.up` returns
    /// `self`, sharing its pixel storage.
    public func oriented(_ orientation: Orientation) -> RGBImage {
        // Every transform maps destination pixel (x, y) to source pixel index
        // `start + x * stepX + y * stepY`, so one affine walk covers all seven cases and
        // the inner loop does no per-pixel branching or multiplication.
        let w = width
        let h = height
        let (start, stepX, stepY): (Int, Int, Int)
        switch orientation {
        case .up: return self
        case .mirrorHorizontal: (start, stepX, stepY) = (w - 1, -1, w)
        case .rotate180: (start, stepX, stepY) = (w * h - 1, -1, -w)
        case .mirrorVertical: (start, stepX, stepY) = ((h - 1) * w, 1, -w)
        case .transpose: (start, stepX, stepY) = (0, w, 1)
        case .rotate90Clockwise: (start, stepX, stepY) = ((h - 1) * w, -w, 1)
        case .transverse: (start, stepX, stepY) = (w * h - 1, -w, -1)
        case .rotate90CounterClockwise: (start, stepX, stepY) = (w - 1, w, -1)
        }
        let outWidth = orientation.swapsAxes ? h : w
        let outHeight = orientation.swapsAxes ? w : h
        let byteCount = w * h * 3
        let sourceStep = stepX * 3

        let out = [UInt8](unsafeUninitializedCapacity: byteCount) { dst, initializedCount in
            pixels.withUnsafeBufferPointer { src in
                // RGBImage is never empty, so both bases exist; were one missing, the count
                // would stay 0 and RGBImage's size precondition would trap below.
                guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
                var d = 0
                for y in 0..<outHeight {
                    var s = (start + y * stepY) * 3
                    for _ in 0..<outWidth {
                        // Safe: `s` is the source pixel (x', y') with 0 <= x' < w and
                        // 0 <= y' < h for every destination pixel, as the table above is
                        // the exact inverse of each transform; `d` counts up to w * h * 3,
                        // the capacity, and `src.count == w * h * 3` by RGBImage's invariant.
                        dstBase[d] = srcBase[s]
                        dstBase[d + 1] = srcBase[s + 1]
                        dstBase[d + 2] = srcBase[s + 2]
                        d += 3
                        s += sourceStep
                    }
                }
                initializedCount = byteCount
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: out)
    }
}
