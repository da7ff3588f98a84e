import VGGImaging

/// The pictures `vggbatch explain photo.jpg` draws: feature maps tiled in a grid, the first
/// layer's filters as colour patches, a heat map over the photo and a unit's receptive field.
public enum ExplainImages {
    /// A colour scale from black through purple and orange to pale yellow (dark = quiet).
    static let scale: [(Float, Float, Float)] = [(0, 0, 4), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)]

    /// `value` in 0...1 as a grey level, or on the colour scale.
    static func shade(_ value: Float, colour: Bool) -> (UInt8, UInt8, UInt8) {
        let v = min(max(value, 0), 1)
        guard colour else {
            let grey = UInt8((v * 255).rounded())
            return (grey, grey, grey)
        }
        let position = v * Float(scale.count - 1)
        let low = min(Int(position), scale.count - 2)
        let t = position - Float(low)
        let (a, b) = (scale[low], scale[low + 1])
        let mix = { (x: Float, y: Float) in UInt8((x + (y - x) * t).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// `channels` maps (each `height` × `width`, from `map`) in a grid, each drawn at least
    /// `minimumSide` pixels high (nearest neighbour), all on one scale (the largest value
    /// shown is white), with a 2-pixel gap.
    public static func featureGrid(
        channels: [Int], height: Int, width: Int, map: (Int) -> ArraySlice<Float>, colour: Bool, minimumSide: Int = 56
    ) -> RGBImage {
        let columns = max(1, Int(Double(channels.count).squareRoot().rounded(.up)))
        let rows = (channels.count + columns - 1) / columns
        let zoom = max(1, minimumSide / max(height, 1))
        let (cellW, cellH, gap) = (width * zoom, height * zoom, 2)
        let peak = channels.map { map($0).max() ?? 0 }.max() ?? 0
        let (imageWidth, imageHeight) = (columns * (cellW + gap) + gap, rows * (cellH + gap) + gap)
        var image = RGBImage(width: imageWidth, height: imageHeight, pixels: [UInt8](repeating: 40, count: imageWidth * imageHeight * 3))
        for (slot, channel) in channels.enumerated() {
            let values = Array(map(channel))
            let (left, top) = (gap + (slot % columns) * (cellW + gap), gap + (slot / columns) * (cellH + gap))
            for y in 0..<cellH {
                for x in 0..<cellW {
                    let value = peak > 0 ? values[(y / zoom) * width + x / zoom] / peak : 0
                    put(shade(value, colour: colour), at: left + x, top + y, in: &image)
                }
            }
        }
        return image
    }

    /// The first convolution's filters (K × 3 × 3 × 3, RGB input) as 3×3 colour patches, each
    /// stretched to its own range, `zoom` pixels per weight.
    public static func firstLayerFilters(_ weights: [Float], filters: Int, zoom: Int = 8) -> RGBImage {
        let columns = max(1, Int(Double(filters).squareRoot().rounded(.up)))
        let rows = (filters + columns - 1) / columns
        let (cell, gap) = (3 * zoom, 2)
        let (imageWidth, imageHeight) = (columns * (cell + gap) + gap, rows * (cell + gap) + gap)
        var image = RGBImage(width: imageWidth, height: imageHeight, pixels: [UInt8](repeating: 255, count: imageWidth * imageHeight * 3))
        for k in 0..<filters {
            let filter = weights[(k * 27)..<((k + 1) * 27)]
            let (low, high) = (filter.min() ?? 0, filter.max() ?? 1)
            let span = high > low ? high - low : 1
            let (left, top) = (gap + (k % columns) * (cell + gap), gap + (k / columns) * (cell + gap))
            for y in 0..<cell {
                for x in 0..<cell {
                    let (r, s) = (y / zoom, x / zoom)
                    let level = { (c: Int) in UInt8((255 * (filter[k * 27 + (c * 3 + r) * 3 + s] - low) / span).rounded()) }
                    put((level(0), level(1), level(2)), at: left + x, top + y, in: &image)
                }
            }
        }
        return image
    }

    /// `photo` with `heat` (`height` × `width`, 0...1, bilinearly enlarged) blended over it on
    /// the colour scale: opaque where the class's evidence is strongest.
    public static func heatOverlay(_ photo: RGBImage, heat: [Float], height: Int, width: Int) -> RGBImage {
        var image = photo
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                let fy = min(max((Float(y) + 0.5) * Float(height) / Float(photo.height) - 0.5, 0), Float(height - 1))
                let fx = min(max((Float(x) + 0.5) * Float(width) / Float(photo.width) - 0.5, 0), Float(width - 1))
                let (y0, x0) = (Int(fy), Int(fx))
                let (y1, x1) = (min(y0 + 1, height - 1), min(x0 + 1, width - 1))
                let (ty, tx) = (fy - Float(y0), fx - Float(x0))
                let top = heat[y0 * width + x0] * (1 - tx) + heat[y0 * width + x1] * tx
                let bottom = heat[y1 * width + x0] * (1 - tx) + heat[y1 * width + x1] * tx
                let value = top * (1 - ty) + bottom * ty
                let colour = shade(value, colour: true)
                let at = (y * photo.width + x) * 3
                let alpha = 0.15 + 0.6 * value
                for (c, v) in [colour.0, colour.1, colour.2].enumerated() {
                    image.pixels[at + c] = UInt8((Float(image.pixels[at + c]) * (1 - alpha) + Float(v) * alpha).rounded())
                }
            }
        }
        return image
    }

    /// `photo` with a 2-pixel box around the pixels `rows` × `columns` (clipped to the photo:
    /// a deep unit's field reaches into the padding).
    public static func box(_ photo: RGBImage, rows: ClosedRange<Int>, columns: ClosedRange<Int>) -> RGBImage {
        var image = photo
        let (top, bottom) = (max(rows.lowerBound, 0), min(rows.upperBound, photo.height - 1))
        let (left, right) = (max(columns.lowerBound, 0), min(columns.upperBound, photo.width - 1))
        guard top <= bottom, left <= right else { return image }
        for y in top...bottom {
            for x in left...right where y - top < 2 || bottom - y < 2 || x - left < 2 || right - x < 2 {
                put((255, 230, 0), at: x, y, in: &image)
            }
        }
        return image
    }

    private static func put(_ colour: (UInt8, UInt8, UInt8), at x: Int, _ y: Int, in image: inout RGBImage) {
        let at = (y * image.width + x) * 3
        image.pixels[at] = colour.0
        image.pixels[at + 1] = colour.1
        image.pixels[at + 2] = colour.2
    }
}
