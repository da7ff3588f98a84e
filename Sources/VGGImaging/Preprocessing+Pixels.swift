import VGGCommon

/// The preprocessing (`Preprocessing`, in VGGCommon) applied to pixels.
///
/// Output layout, the one the engine consumes: `Float` planar CHW, 3 x height x width.
/// Plane `c` holds channel `channelOrder[c]`, rows top to bottom, no padding; the value of
/// plane `c` at column `x`, row `y` is at index `(c * height + y) * width + x`.
extension Preprocessing {
    /// The preprocessed image as a new planar CHW array of `3 * height * width` floats.
    public func tensor(from image: RGBImage) -> [Float] {
        let count = 3 * image.width * image.height
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            write(image, into: buffer)
            initialized = count
        }
    }

    /// Writes the preprocessed image, planar CHW, into `batch` from float `offset` on (the
    /// image's slot in a batch buffer, which must have room for `3 * height * width` floats).
    public func write(_ image: RGBImage, into batch: inout [Float], at offset: Int) {
        let count = 3 * image.width * image.height
        precondition(offset >= 0 && offset + count <= batch.count, "image slot \(offset)..<\(offset + count) outside a batch of \(batch.count) floats")
        batch.withUnsafeMutableBufferPointer { buffer in
            // Safe: the slot lies inside the buffer (checked above).
            write(image, into: UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + count)]))
        }
    }

    /// Writes the preprocessed image, planar CHW, into `destination`, which must hold
    /// exactly `3 * image.height * image.width` floats; a slice of a batch buffer lets a
    /// batch be filled without allocating.
    public func write(_ image: RGBImage, into destination: UnsafeMutableBufferPointer<Float>) {
        let planeCount = image.width * image.height
        precondition(destination.count == 3 * planeCount,
                     "destination holds \(destination.count) floats, image needs \(3 * planeCount)")
        let planes = self.planes
        image.pixels.withUnsafeBufferPointer { pixels in
            for (plane, parameters) in planes.enumerated() {
                let base = plane * planeCount
                // Safe: pixels.count == 3 * planeCount, and base + i < 3 * planeCount.
                for i in 0..<planeCount {
                    let value = Float(pixels[i * 3 + parameters.sourceChannel])
                    // Caffe's divisor and std are 1, which leaves its values exact, so one
                    // formula serves both and torch keeps torchvision's operation order.
                    destination[base + i] = (value / parameters.divisor - parameters.mean) / parameters.std
                }
            }
        }
    }

    /// For each output plane: which interleaved channel it reads and how it is scaled.
    private var planes: [(sourceChannel: Int, divisor: Float, mean: Float, std: Float)] {
        switch self {
        case .torch:
            // Constants narrowed from Double as PyTorch narrows Python floats to float32.
            let mean: [Double] = [0.485, 0.456, 0.406]
            let std: [Double] = [0.229, 0.224, 0.225]
            return (0..<3).map { (sourceChannel: $0, divisor: 255, mean: Float(mean[$0]), std: Float(std[$0])) }
        case .caffe:
            let meanBGR: [Double] = [103.939, 116.779, 123.68]
            return (0..<3).map { (sourceChannel: 2 - $0, divisor: 1, mean: Float(meanBGR[$0]), std: 1) }
        }
    }
}
