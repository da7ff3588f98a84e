import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

/// Resampler and ResizePolicy against hand-computed values, Preprocessing against
/// torchvision's and Caffe's formulas, and both policies against Pillow goldens.
struct ResamplerTests {
    // MARK: - Resampler, no files

    @Test(arguments: [
        (1, 1, 224, 224), (7, 9, 3, 2), (640, 427, 224, 224), (13, 5, 13, 40), (100, 3, 1, 1), (3, 300, 224, 224),
    ])
    func constantImageStaysConstant(width: Int, height: Int, outWidth: Int, outHeight: Int) {
        let color: [UInt8] = [17, 128, 250]
        let image = ResizeTestImages.makeImage(width: width, height: height) { _, _, c in color[c] }
        let resized = Resampler.resize(image, width: outWidth, height: outHeight)
        #expect(resized.width == outWidth && resized.height == outHeight)
        #expect(resized == ResizeTestImages.makeImage(width: outWidth, height: outHeight) { _, _, c in color[c] })
    }

    @Test(arguments: [(1, 1), (9, 7), (224, 224), (451, 300)])
    func sameSizeReturnsIdenticalPixels(width: Int, height: Int) {
        let image = ResizeTestImages.synthetic(width: width, height: height)
        #expect(Resampler.resize(image, width: width, height: height) == image)
    }

    @Test func onePixelWideImage() {
        // Only the vertical pass runs; it uses the same weights as the 4x1 -> 2x1 case below.
        let column = ResizeTestImages.gray([[10], [20], [30], [40]])
        #expect(Resampler.resize(column, width: 1, height: 2) == ResizeTestImages.gray([[17], [33]]))
        // Widening a one-pixel column copies it: every output pixel has a single tap.
        #expect(Resampler.resize(column, width: 5, height: 2)
            == ResizeTestImages.gray([[17, 17, 17, 17, 17], [33, 33, 33, 33, 33]]))
    }

    @Test func halvingA2x2CheckerboardGivesTheAverage() {
        // Each output pixel weights both source pixels 0.5 = 2^21 / 2^22 exactly, in each pass.
        let pattern: [[[UInt8]]] = [[[0, 0, 10], [200, 255, 30]], [[200, 255, 30], [0, 0, 10]]]
        let image = ResizeTestImages.makeImage(width: 2, height: 2) { x, y, c in pattern[y][x][c] }
        // 127.5 rounds up: the sums start at 2^21, half a unit.
        #expect(Resampler.resize(image, width: 1, height: 1).pixels == [100, 128, 20])
    }

    @Test func upscalingOnePixelFillsTheOutput() {
        let pixel = RGBImage(width: 1, height: 1, pixels: [9, 99, 199])
        let resized = Resampler.resize(pixel, width: 5, height: 3)
        #expect(resized == ResizeTestImages.makeImage(width: 5, height: 3) { _, _, c in pixel.pixels[c] })
    }

    /// Small cases worked through Pillow's formulas by hand (and confirmed with Pillow 13.0.0).
    ///
    /// 4 -> 2: scale = filterscale = support = 2. Output 0: center 1.0, window
    /// int(-0.5) = 0 ..< int(3.5) = 3, triangle((x - 1 + 0.5) / 2) = 0.75, 0.75, 0.25,
    /// normalised 3/7, 3/7, 1/7. Output 1: center 3.0, window int(1.5) = 1 ..< min(5, 4),
    /// weights 1/7, 3/7, 3/7. For [10, 20, 30, 40]: 120/7 = 17.14 -> 17, 230/7 = 32.86 -> 33.
    /// (The tap that would fall outside the image is dropped and the rest renormalised.)
    ///
    /// 3 -> 2: scale = support = 1.5. Output 0: center 0.75, window 0 ..< int(2.75) = 2,
    /// triangle(-0.25 / 1.5) = 5/6 and triangle(0.75 / 1.5) = 1/2, normalised 0.625, 0.375.
    /// Output 1 mirrors it: 0.375, 0.625 over pixels 1, 2. For [0, 100, 200]: 37.5 and 162.5,
    /// exact in fixed point (0.375 * 2^22 = 1572864), so the +2^21 rounding gives 38 and 163.
    @Test(arguments: [
        ([10, 20, 30, 40] as [UInt8], 2, [17, 33] as [UInt8]),
        ([0, 100, 200], 2, [38, 163]),
        ([0, 50, 100, 150, 200, 250], 4, [19, 89, 161, 231]),  // Pillow 13.0.0 output
        ([0, 50, 100, 150, 200, 250], 1, [125]),  // Pillow 13.0.0 output
    ])
    func handComputedRow(input: [UInt8], outWidth: Int, expected: [UInt8]) {
        let row = ResizeTestImages.gray([input])
        #expect(Resampler.resize(row, width: outWidth, height: 1) == ResizeTestImages.gray([expected]))
        // The vertical pass uses the same table, so the transposed case gives the same values.
        let column = ResizeTestImages.gray(input.map { [$0] })
        #expect(Resampler.resize(column, width: 1, height: outWidth) == ResizeTestImages.gray(expected.map { [$0] }))
    }

    @Test(arguments: [
        (37, 23, 50, 17), (37, 23, 11, 40), (300, 900, 224, 224), (900, 300, 224, 224), (5, 80, 3, 9),
    ])
    func windowEqualsCroppingTheFullResize(width: Int, height: Int, outWidth: Int, outHeight: Int) {
        let image = ResizeTestImages.synthetic(width: width, height: height)
        let full = Resampler.resize(image, width: outWidth, height: outHeight)
        let columns = (outWidth / 3)..<(outWidth - outWidth / 4)
        let rows = (outHeight / 4)..<(outHeight - outHeight / 3)
        let window = Resampler.resize(image, width: outWidth, height: outHeight, columns: columns, rows: rows)
        #expect(window == ResizeTestImages.crop(full, columns: columns, rows: rows))
    }

    // MARK: - ResizePolicy

    @Test(arguments: [(640, 427), (300, 451), (1, 1), (512, 512), (2000, 3), (3, 2000), (255, 257)])
    func centerCropIsAlways224Square(width: Int, height: Int) {
        let result = ResizePolicy.centerCrop.apply(to: ResizeTestImages.synthetic(width: width, height: height))
        #expect(result.width == 224 && result.height == 224)
    }

    @Test func squashIs224Square() {
        let result = ResizePolicy.squash.apply(to: ResizeTestImages.synthetic(width: 640, height: 427))
        #expect(result.width == 224 && result.height == 224)
    }

    @Test(arguments: [
        (451, 300, 384, 256), (640, 427, 383, 256), (427, 640, 256, 383), (1, 1, 256, 256), (256, 256, 256, 256),
    ])
    func centerCropResizeFollowsTorchvision(width: Int, height: Int, expectedWidth: Int, expectedHeight: Int) {
        // Short side 256, long side int(256 * long / short): truncated, not rounded.
        let size = ResizePolicy.centerCrop.resizedSize(width: width, height: height)
        #expect(size.width == expectedWidth && size.height == expectedHeight)
        let squash = ResizePolicy.squash.resizedSize(width: width, height: height)
        #expect(squash.width == 224 && squash.height == 224)
    }

    @Test func centerCropRoundsAnOddMarginHalfToEven() {
        // 385x256 needs no resize; the horizontal margin is 161, so torchvision's
        // int(round(80.5)) = 80 (Python rounds halves to even), not 81.
        let image = ResizeTestImages.synthetic(width: 385, height: 256)
        let result = ResizePolicy.centerCrop.apply(to: image)
        #expect(result == ResizeTestImages.crop(image, columns: 80..<304, rows: 16..<240))
    }

    @Test(arguments: [
        (ResizePolicy.squash, 224, 224), (.centerCrop, 224, 256), (.squash, 64, 64), (.centerCrop, 112, 128),
        (.centerCrop, 299, 342),
    ])
    func minimumDecodedSide(policy: ResizePolicy, size: Int, expected: Int) {
        #expect(policy.minimumDecodedSide(size: size) == expected)
    }

    @Test func policyNamesAreStable() {
        // Stored in the database and accepted on the command line.
        #expect(ResizePolicy.allCases.map(\.rawValue) == ["squash", "center-crop"])
        #expect(Preprocessing.allCases.map(\.rawValue) == ["torch", "caffe"])
    }

    // MARK: - Preprocessing

    struct Presets {
        @Test func torchRedPixel() {
            let tensor = Preprocessing.torch.tensor(from: RGBImage(width: 1, height: 1, pixels: [255, 0, 0]))
            // Same Float operations as torchvision's ToTensor + Normalize, so equal exactly.
            #expect(tensor == [
                (Float(255) / 255 - Float(0.485)) / Float(0.229),
                (0 - Float(0.456)) / Float(0.224),
                (0 - Float(0.406)) / Float(0.225),
            ])
            // And within float rounding of the real-number formula.
            let exact = [(1 - 0.485) / 0.229, -0.456 / 0.224, -0.406 / 0.225]
            for (value, reference) in zip(tensor, exact) {
                #expect(abs(Double(value) - reference) < 1e-5)
            }
        }

        @Test func caffeRedPixelIsBGR() {
            let tensor = Preprocessing.caffe.tensor(from: RGBImage(width: 1, height: 1, pixels: [255, 0, 0]))
            #expect(tensor[0] == -Float(103.939))  // B
            #expect(tensor[1] == -Float(116.779))  // G
            #expect(tensor[2] == Float(255) - Float(123.68))  // R
            #expect(abs(tensor[2] - 131.32) < 1e-4)
        }

        @Test func planesAreChannelMajor() {
            // 2x1 image: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6). Index (c * H + y) * W + x.
            let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
            let caffe = Preprocessing.caffe.tensor(from: image)
            let bgr: [Float] = [3 - 103.939, 6 - 103.939, 2 - 116.779, 5 - 116.779, 1 - 123.68, 4 - 123.68]
            #expect(caffe.count == 6)
            for (value, expected) in zip(caffe, bgr) { #expect(abs(value - expected) < 1e-4) }

            let torch = Preprocessing.torch.tensor(from: image)
            let mean: [Float] = [0.485, 0.485, 0.456, 0.456, 0.406, 0.406]
            let std: [Float] = [0.229, 0.229, 0.224, 0.224, 0.225, 0.225]
            let rgb: [Float] = [1, 4, 2, 5, 3, 6]
            for i in 0..<6 { #expect(abs(torch[i] - (rgb[i] / 255 - mean[i]) / std[i]) < 1e-6) }
        }

        @Test(arguments: Preprocessing.allCases)
        func writeFillsASliceOfABatch(preset: Preprocessing) {
            let first = ResizeTestImages.synthetic(width: 9, height: 7)
            let second = ResizeTestImages.mirrored(ResizeTestImages.synthetic(width: 9, height: 7))
            let count = 3 * 9 * 7
            var batch = [Float](repeating: .nan, count: 2 * count)
            batch.withUnsafeMutableBufferPointer { buffer in
                preset.write(first, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
                preset.write(second, into: UnsafeMutableBufferPointer(rebasing: buffer[count..<(2 * count)]))
            }
            #expect(Array(batch[0..<count]) == preset.tensor(from: first))
            #expect(Array(batch[count...]) == preset.tensor(from: second))
        }

        @Test func descriptions() {
            #expect(Preprocessing.torch.channelOrder == "RGB")
            #expect(Preprocessing.caffe.channelOrder == "BGR")
            for preset in Preprocessing.allCases {
                #expect(preset.summary.hasPrefix("\(preset.rawValue): \(preset.channelOrder)"))
            }
        }
    }

    // MARK: - Pillow goldens

    /// Compares against `Fixtures/golden/`, written by `scripts/make_goldens.py` with Pillow.
    struct Goldens {
        static let photos = [
            "pillow-hopper.png", "skimage-chelsea.png", "skimage-coffee.png", "skimage-astronaut.png",
            "skimage-camera.png", "sklearn-china.jpg", "skimage-rocket.jpg",
        ]

        @Test(arguments: photos, ResizePolicy.allCases)
        func photoMatchesPillow(name: String, policy: ResizePolicy) throws {
            let source = try ImageDecoder.decode(contentsOf: FixturePaths.sample(name)).image
            let stem = (name as NSString).deletingPathExtension
            let golden = try ImageDecoder.decode(contentsOf: fixture("golden/\(stem).\(policy.rawValue).png")).image
            let ours = policy.apply(to: source)
            try #require(ours.width == golden.width && ours.height == golden.height)
            let difference = ResizeTestImages.channelDifference(ours, golden)
            let report = "\(name) \(policy.rawValue): mean |diff| per channel \(difference.mean), max \(difference.max)"
            // Pillow and Resampler use the same fixed-point formula and pass order, so PNG
            // sources should not differ at all. JPEG sources were decoded by Pillow's bundled
            // libjpeg-turbo, whose IDCT and chroma upsampling can round some pixels one or two
            // levels differently from the system library: well under one level on average.
            #expect(difference.mean.allSatisfy { $0 <= 1.0 }, "\(report)")
            if name.hasSuffix(".png") {
                #expect(difference.mean.allSatisfy { $0 <= 0.01 }, "expected exact: \(report)")
            }
        }

        /// Generated sources need no decoder on our side, so these must match exactly. The tall
        /// one makes Pillow 13 run the vertical pass first; the wide one has an odd crop margin.
        @Test(arguments: ["synthetic-300x900", "synthetic-770x512"], ResizePolicy.allCases)
        func syntheticMatchesPillowExactly(stem: String, policy: ResizePolicy) throws {
            let size = stem.dropFirst("synthetic-".count).split(separator: "x").compactMap { Int($0) }
            try #require(size.count == 2)
            let golden = try ImageDecoder.decode(contentsOf: fixture("golden/\(stem).\(policy.rawValue).png")).image
            let ours = policy.apply(to: ResizeTestImages.synthetic(width: size[0], height: size[1]))
            try #require(ours.width == golden.width && ours.height == golden.height)
            let difference = ResizeTestImages.channelDifference(ours, golden)
            #expect(difference.max == 0, "\(stem) \(policy.rawValue): mean \(difference.mean), max \(difference.max)")
        }

        private func fixture(_ relativePath: String) -> String {
            FixturePaths.imaging(relativePath)
        }
    }
}

// MARK: - Helpers

/// Test images and comparisons, namespaced so they cannot clash with other test files.
private enum ResizeTestImages {
    /// An image whose byte at (x, y, channel) is `value(x, y, channel)`.
    static func makeImage(width: Int, height: Int, _ value: (Int, Int, Int) -> UInt8) -> RGBImage {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { pixels.append(value(x, y, c)) }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A grey image from rows of values, each repeated in R, G and B.
    static func gray(_ rows: [[UInt8]]) -> RGBImage {
        makeImage(width: rows[0].count, height: rows.count) { x, y, _ in rows[y][x] }
    }

    /// The noisy test pattern `scripts/make_goldens.py` also generates; noise makes any
    /// difference in weights or rounding show up in the output.
    static func synthetic(width: Int, height: Int) -> RGBImage {
        makeImage(width: width, height: height) { x, y, c in
            UInt8(((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) % 256)
        }
    }

    /// The given window of `image`.
    static func crop(_ image: RGBImage, columns: Range<Int>, rows: Range<Int>) -> RGBImage {
        makeImage(width: columns.count, height: rows.count) { x, y, c in
            image.pixels[((rows.lowerBound + y) * image.width + columns.lowerBound + x) * 3 + c]
        }
    }

    /// Mean absolute difference per channel (R, G, B) and the largest difference anywhere.
    static func channelDifference(_ a: RGBImage, _ b: RGBImage) -> (mean: [Double], max: Int) {
        precondition(a.width == b.width && a.height == b.height)
        var totals = [0, 0, 0]
        var largest = 0
        for (i, (x, y)) in zip(a.pixels, b.pixels).enumerated() {
            let d = abs(Int(x) - Int(y))
            totals[i % 3] += d
            largest = max(largest, d)
        }
        let pixelCount = Double(a.width * a.height)
        return (totals.map { Double($0) / pixelCount }, largest)
    }

    /// `image` mirrored left to right.
    static func mirrored(_ image: RGBImage) -> RGBImage {
        makeImage(width: image.width, height: image.height) { x, y, c in
            image.pixels[(y * image.width + image.width - 1 - x) * 3 + c]
        }
    }
}
