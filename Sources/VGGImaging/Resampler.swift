/// Resizes 8-bit RGB images with the same result, byte for byte, as Pillow 13's
/// `Image.resize((width, height), Image.BILINEAR)`.
///
/// The filter is Pillow's separable triangle (support 1) whose support grows with the
/// downscale factor, so shrinking averages every source pixel instead of skipping some
/// (antialiasing). Weights are computed in `Double` exactly as Pillow's
/// `precompute_coeffs` does, rounded to 22-bit fixed point as in `normalize_coeffs_8bpc`,
/// and applied with `Int32` accumulators in two passes with an 8-bit intermediate.
/// Matching Pillow's order and rounding is the point: the reference models were trained on
/// images resized this way, and the golden tests compare against Pillow's output directly.
/// A dimension that does not change skips its pass, as in Pillow.
public enum Resampler {
    /// Fixed-point fraction bits: 32 bits minus 8 for the pixel value minus 2 of headroom
    /// for filters with negative lobes (Pillow's `PRECISION_BITS`).
    static let precisionBits: Int32 = 22

    /// Resizes `image` to `width` x `height`.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        resize(image, width: width, height: height, columns: 0..<width, rows: 0..<height)
    }

    /// Resizes `image` to `width` x `height` and returns only the window `columns` x `rows`
    /// of that result.
    ///
    /// Every output pixel has its own weights, so the window equals cropping the full
    /// resize exactly; computing only the window saves the work for discarded pixels
    /// (a centre crop after a resize, or a panorama whose long side would be huge).
    public static func resize(
        _ image: RGBImage, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>
    ) -> RGBImage {
        precondition(width > 0 && height > 0, "target size must be positive")
        precondition(!columns.isEmpty && columns.lowerBound >= 0 && columns.upperBound <= width,
                     "columns \(columns) outside 0..<\(width)")
        precondition(!rows.isEmpty && rows.lowerBound >= 0 && rows.upperBound <= height,
                     "rows \(rows) outside 0..<\(height)")

        let horizontal = width == image.width
            ? nil : FilterTable(inputSize: image.width, outputSize: width, outputs: columns)
        let vertical = height == image.height
            ? nil : FilterTable(inputSize: image.height, outputSize: height, outputs: rows)

        switch (horizontal, vertical) {
        case (nil, nil):
            return window(of: image, columns: columns, rows: rows)
        case (let horizontal?, nil):
            return resampleRows(image, rows: rows, filter: horizontal, firstSourceColumn: 0)
        case (nil, let vertical?):
            return resampleColumns(image, columns: columns, filter: vertical, firstSourceRow: 0)
        case (let horizontal?, let vertical?):
            // Each pass rounds to 8 bits, so the order changes output bytes. Pillow 13
            // (python-pillow/Pillow#9549) runs the vertical pass first when the height shrinks
            // by more than twice as many pixels as the width does; older Pillow always went
            // horizontal first. The synthetic-300x900 golden takes this branch.
            let verticalFirst = height < image.height && image.height - height > 2 * (image.width - width)
            if verticalFirst {
                // Only the source columns some output column reads go through the first pass.
                let sourceColumns = horizontal.sourceRange
                let intermediate = resampleColumns(
                    image, columns: sourceColumns, filter: vertical, firstSourceRow: 0)
                return resampleRows(
                    intermediate, rows: 0..<intermediate.height, filter: horizontal,
                    firstSourceColumn: sourceColumns.lowerBound)
            } else {
                let sourceRows = vertical.sourceRange
                let intermediate = resampleRows(
                    image, rows: sourceRows, filter: horizontal, firstSourceColumn: 0)
                return resampleColumns(
                    intermediate, columns: 0..<intermediate.width, filter: vertical,
                    firstSourceRow: sourceRows.lowerBound)
            }
        }
    }

    /// A copy of the given window of `image` (the image itself when the window is all of it).
    private static func window(of image: RGBImage, columns: Range<Int>, rows: Range<Int>) -> RGBImage {
        if columns == 0..<image.width && rows == 0..<image.height { return image }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(columns.count * rows.count * 3)
        for y in rows {
            let rowStart = y * image.width * 3
            let first = rowStart + columns.lowerBound * 3
            pixels.append(contentsOf: image.pixels[first..<(first + columns.count * 3)])
        }
        return RGBImage(width: columns.count, height: rows.count, pixels: pixels)
    }

    /// Horizontal pass: rows `rows` of `image`, each filtered to `filter.outputCount` pixels.
    ///
    /// Column 0 of `image` is source column `firstSourceColumn` of the filter. Input and
    /// output are interleaved RGB; the output is `filter.outputCount` x `rows.count`.
    /// Mirrors Pillow's `ImagingResampleHorizontal_8bpc`.
    private static func resampleRows(
        _ image: RGBImage, rows: Range<Int>, filter: FilterTable, firstSourceColumn: Int
    ) -> RGBImage {
        precondition(filter.sourceRange.lowerBound >= firstSourceColumn
                     && filter.sourceRange.upperBound - firstSourceColumn <= image.width)
        precondition(rows.lowerBound >= 0 && rows.upperBound <= image.height)
        let outWidth = filter.outputCount
        let inRowBytes = image.width * 3
        let outRowBytes = outWidth * 3
        let byteCount = outRowBytes * rows.count
        let half: Int32 = 1 << (precisionBits - 1)
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialized in
            image.pixels.withUnsafeBufferPointer { source in
                filter.weights.withUnsafeBufferPointer { weights in
                    filter.starts.withUnsafeBufferPointer { starts in
                        filter.counts.withUnsafeBufferPointer { counts in
                            for (outRow, y) in rows.enumerated() {
                                let sourceRow = y * inRowBytes
                                let outRowStart = outRow * outRowBytes
                                for x in 0..<outWidth {
                                    let k = x * filter.stride
                                    var p = sourceRow + (starts[x] - firstSourceColumn) * 3
                                    var r = half, g = half, b = half
                                    // Safe: the preconditions keep every tap inside the row,
                                    // and each sum is at most 255 * 2^22 * (1 + rounding) + 2^21
                                    // < 2^31, so the wrapping operators never wrap.
                                    for t in 0..<counts[x] {
                                        let w = weights[k + t]
                                        r &+= Int32(source[p]) &* w
                                        g &+= Int32(source[p + 1]) &* w
                                        b &+= Int32(source[p + 2]) &* w
                                        p += 3
                                    }
                                    let o = outRowStart + x * 3
                                    out[o] = clip8(r)
                                    out[o + 1] = clip8(g)
                                    out[o + 2] = clip8(b)
                                }
                            }
                        }
                    }
                }
            }
            initialized = byteCount
        }
        return RGBImage(width: outWidth, height: rows.count, pixels: pixels)
    }

    /// Vertical pass: columns `columns` of `image` filtered to `filter.outputCount` rows.
    ///
    /// Row 0 of `image` is source row `firstSourceRow` of the filter; the output is
    /// `columns.count` x `filter.outputCount`. Sums a whole row at a time instead of
    /// Pillow's pixel-by-pixel loop so the inner loop is contiguous; integer addition in a
    /// different order gives the same sums.
    private static func resampleColumns(
        _ image: RGBImage, columns: Range<Int>, filter: FilterTable, firstSourceRow: Int
    ) -> RGBImage {
        precondition(filter.sourceRange.lowerBound >= firstSourceRow
                     && filter.sourceRange.upperBound - firstSourceRow <= image.height)
        precondition(columns.lowerBound >= 0 && columns.upperBound <= image.width)
        let inRowBytes = image.width * 3
        let firstByte = columns.lowerBound * 3
        let rowBytes = columns.count * 3
        let outHeight = filter.outputCount
        let byteCount = rowBytes * outHeight
        let half: Int32 = 1 << (precisionBits - 1)
        var sums = [Int32](repeating: 0, count: rowBytes)
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { out, initialized in
            image.pixels.withUnsafeBufferPointer { source in
                sums.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<outHeight {
                        for i in 0..<rowBytes { sums[i] = half }
                        let k = y * filter.stride
                        let firstRow = filter.starts[y] - firstSourceRow
                        // Safe: the preconditions keep rows firstRow..<firstRow + counts[y]
                        // and bytes firstByte..<firstByte + rowBytes inside `image`; no
                        // overflow for the same reason as in the horizontal pass.
                        for t in 0..<filter.counts[y] {
                            let w = filter.weights[k + t]
                            let rowStart = (firstRow + t) * inRowBytes + firstByte
                            for i in 0..<rowBytes {
                                sums[i] &+= Int32(source[rowStart + i]) &* w
                            }
                        }
                        let outRowStart = y * rowBytes
                        for i in 0..<rowBytes { out[outRowStart + i] = clip8(sums[i]) }
                    }
                }
            }
            initialized = byteCount
        }
        return RGBImage(width: columns.count, height: outHeight, pixels: pixels)
    }

    /// A fixed-point sum back to a byte, saturating like Pillow's `clip8`.
    @inline(__always)
    private static func clip8(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> precisionBits)
    }
}

/// Per-output-pixel weights of Pillow's bilinear filter along one axis, in fixed point.
///
/// Output `i` (the `i`-th index of `outputs`) reads source pixels
/// `starts[i] ..< starts[i] + counts[i]` with weights `weights[i * stride + t]`.
private struct FilterTable {
    let starts: [Int]
    let counts: [Int]
    let weights: [Int32]
    let stride: Int
    /// The source pixels any output in the table reads.
    let sourceRange: Range<Int>

    var outputCount: Int { starts.count }

    /// Computes weights for the `outputs` indices of a resize from `inputSize` to `outputSize`.
    ///
    /// Each step repeats Pillow's `precompute_coeffs` and `normalize_coeffs_8bpc`
    /// operation for operation in `Double` (including multiplying by `1 / filterScale`
    /// rather than dividing), because a different rounding of one weight changes
    /// output bytes.
    init(inputSize: Int, outputSize: Int, outputs: Range<Int>) {
        precondition(inputSize > 0 && outputSize > 0 && !outputs.isEmpty)
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale  // the triangle's support is 1 source pixel at scale 1
        let inverseScale = 1.0 / filterScale
        let stride = Int(support.rounded(.up)) * 2 + 1
        let one = Double(1 << Resampler.precisionBits)

        var starts = [Int](repeating: 0, count: outputs.count)
        var counts = [Int](repeating: 0, count: outputs.count)
        var weights = [Int32](repeating: 0, count: outputs.count * stride)
        var raw = [Double](repeating: 0, count: stride)
        for (i, output) in outputs.enumerated() {
            let center = (Double(output) + 0.5) * scale
            // Int(_:) truncates toward zero like C's (int) cast, before the clamps.
            let first = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inputSize)
            let count = end - first
            precondition(count > 0 && count <= stride, "filter window \(count) outside 1...\(stride)")
            var total = 0.0
            for t in 0..<count {
                let w = Self.triangle((Double(first + t) - center + 0.5) * inverseScale)
                raw[t] = w
                total += w
            }
            for t in 0..<count {
                let k = total != 0 ? raw[t] / total : raw[t]
                weights[i * stride + t] = k < 0 ? Int32(-0.5 + k * one) : Int32(0.5 + k * one)
            }
            starts[i] = first
            counts[i] = count
        }
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.stride = stride
        // Window starts and ends never decrease with the output index, so the first and
        // last outputs bound the source pixels read.
        self.sourceRange = starts[0]..<(starts[outputs.count - 1] + counts[outputs.count - 1])
    }

    /// Pillow's `bilinear_filter`: 1 - |x| inside (-1, 1), else 0.
    private static func triangle(_ x: Double) -> Double {
        let distance = x < 0 ? -x : x
        return distance < 1 ? 1 - distance : 0
    }
}
