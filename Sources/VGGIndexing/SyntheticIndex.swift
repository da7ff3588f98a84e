import VGGCommon
import VGGIndexTypes
import VGGModel

/// A synthetic index of many images for the search benchmarks, written through any index.
///
/// Vectors are ReLU(W z + 0.35 n), L2-normalised, with W a fixed random 4096×64 matrix and
/// z, n standard normal: non-negative and low-rank plus noise, as real fc7 vectors are. The
/// GeM and R-MAC descriptors are ReLU(V z + 2 n) at 512 dimensions (V a fixed random 512×256
/// matrix scaled by 1/√8, unit length): unrelated pairs at cosine 0.32 in the median, as R-MAC
/// of unrelated photos on the trained base, and none above about 0.55. Every 50th image also
/// gets a near-duplicate (its vectors plus small noise).
public struct SyntheticIndex {
    public static let dimension = 4096
    static let latent = 64
    static let descriptorWidth = 512
    static let descriptorLatent = 256

    private var generator: SplitMix64
    private let w: [Float]
    private let v: [Float]

    public init(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        w = (0..<(Self.dimension * Self.latent)).map { _ in Float(generator.nextGaussian()) }
        v = (0..<(Self.descriptorWidth * Self.descriptorLatent)).map { _ in Float(generator.nextGaussian()) / Float(8).squareRoot() }
        self.generator = generator
    }

    /// Writes `images` images under the root `/synthetic` as a model of their own, with their
    /// search data; returns how many rows the search data update projected.
    public mutating func write(images: Int, into index: IndexWriter, threads: Int) throws -> Int {
        let modelID = try index.models.register(ModelRegistration(
            weightsSHA256: String(repeating: "0", count: 64), name: "synthetic", architecture: .vgg16,
            preprocessing: .torch, resizePolicy: .squash, featureDimension: Self.dimension))
        let run = try index.runs.begin(options: "generate-index \(images)", modelID: modelID)
        let scan = SearchCoding.coding(index.scanIndex(runID: run, modelID: modelID))
        let target = try scan.target(for: Array("/synthetic".utf8))
        var previous: ImageResult?
        var written = 0
        while written < images {
            var records = [ScanRecord]()
            for _ in 0..<min(1000, images - written) {
                let result = written % 50 == 1 ? previous.map { nearCopy(of: $0, number: written) } ?? image(written) : image(written)
                previous = result
                let name = Array(String(format: "img%07d.jpg", written).utf8)
                let file = FoundFile(
                    rootID: target.rootID, relativePath: name, absolutePath: PathBytes.join(target.rootPath, name),
                    stat: FileStat(size: 1, mtimeNanoseconds: 0, inode: UInt64(written), device: 0))
                records.append(.indexed(file, replacing: nil, fingerprint: Self.fingerprint(name), width: 224, height: 224, result: result))
                written += 1
            }
            try scan.write(records)
        }
        try index.runs.finish(run, status: .finished, counts: RunCounts())
        return try SearchMaintenance.update(index, modelID: modelID, threads: threads)
    }

    private mutating func normal() -> Float { Float(generator.nextGaussian()) }

    /// A new image's vectors.
    private mutating func image(_ number: Int) -> ImageResult {
        let gem = descriptor()
        let rmac = descriptor()
        let z = (0..<Self.latent).map { _ in normal() }
        let vector = (0..<Self.dimension).map { row in
            var sum: Float = 0
            for j in 0..<Self.latent { sum += w[row * Self.latent + j] * z[j] }
            return max(0, sum + 0.35 * 8 * normal())
        }
        return ImageResult(top: Self.top(number), features: vector, gem: gem, rmac: rmac)
    }

    /// A near-duplicate of `original`: its vectors plus small noise.
    private mutating func nearCopy(of original: ImageResult, number: Int) -> ImageResult {
        let vector = original.features.map { max(0, $0 + 0.01 * normal()) }
        return ImageResult(top: Self.top(number), features: vector, gem: nearCopy(original.gem), rmac: nearCopy(original.rmac))
    }

    /// A unit, non-negative, low-rank-plus-noise descriptor.
    private mutating func descriptor() -> [Float] {
        let z = (0..<Self.descriptorLatent).map { _ in normal() }
        var d = [Float](repeating: 0, count: Self.descriptorWidth)
        for row in 0..<Self.descriptorWidth {
            var sum: Float = 0
            for j in 0..<Self.descriptorLatent { sum += v[row * Self.descriptorLatent + j] * z[j] }
            d[row] = max(0, sum + 2 * normal())
        }
        UnitVector.normalise(&d)
        return d
    }

    private mutating func nearCopy(_ d: [Float]) -> [Float] {
        var copy = d.map { max(0, $0 + 0.002 * normal()) }
        UnitVector.normalise(&copy)
        return copy
    }

    /// Five made-up labels per image.
    private static func top(_ number: Int) -> [(index: Int, probability: Float)] {
        (0..<5).map { ((number * 7 + $0 * 131) % 1000, 0.2) }
    }

    /// A stand-in content fingerprint, distinct per name.
    static func fingerprint(_ name: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(name)
        return hasher.finalize()
    }
}
