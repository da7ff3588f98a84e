import VGGCommon
import VGGIndexTypes
import VGGModel

/// A synthetic index of many images for the search benchmarks, written through any index.
///
/// Vectors are ReLU(W z + 0.35 n), L2-normalised, with W a fixed random 4096×64 matrix and
/// z, n standard normal: non-negative and low-rank plus noise, as real fc7 vectors are. The
/// GeM and R-MAC descriptors are ReLU(V z + 2 n) at 512 dimensions (V a fixed random 512×256
/// matrix scaled by 1/√8, unit length): unrelated pairs at cosine 0.32 in the median, as R-MAC
/// of unrelated photos on the trained base, and none above about 0.55. Every 50th image starts
/// a planted group: it and the next `groupSize - 1` images are near-duplicates (its vectors
/// plus small noise).
///
/// With `clusters` > 0 the latent vectors are a mixture of that many Gaussians (each image's
/// subject one centre, shared by its fc7 vector and descriptors: 0.6 of the centre and 0.8
/// of its own noise), so that the vectors have the structure of a real collection (many
/// photos of few subjects) rather than only noise, as an approximate search must be measured
/// on.
///
/// A `networkWidth` below 4096 keeps only the first rows of the fc7-like vector (the model
/// says so in its feature dimension) and leaves every descriptor exactly as a full-width
/// index of the same seed has it: descriptor search measured at sizes whose fc7 would not
/// fit on the disk.
public struct SyntheticIndex {
    public static let dimension = 4096
    static let latent = 64
    static let descriptorWidth = 512
    static let descriptorLatent = 256
    /// Images between the starts of two planted groups.
    public static let groupSpacing = 50

    /// How the vectors are laid out.
    public struct Structure: Sendable {
        /// Centres of the mixture (0: one Gaussian, the vectors unstructured).
        public var clusters = 0
        /// Images of each planted near-duplicate group (2: an image and one copy).
        public var groupSize = 2
        /// Values of the network vector kept (4096: all of them).
        public var networkWidth = SyntheticIndex.dimension

        public init(clusters: Int = 0, groupSize: Int = 2, networkWidth: Int = SyntheticIndex.dimension) {
            self.clusters = clusters
            self.groupSize = groupSize
            self.networkWidth = networkWidth
        }
    }

    private var generator: SplitMix64
    private let w: [Float]
    private let v: [Float]
    private let structure: Structure
    /// Mixture centres in the fc7 latent space and in the descriptors', `clusters` of each.
    private let centres: [Float]
    private let descriptorCentres: [Float]

    public init(seed: UInt64, structure: Structure = Structure()) {
        precondition(structure.clusters >= 0 && (2...Self.groupSpacing).contains(structure.groupSize))
        precondition((1...Self.dimension).contains(structure.networkWidth))
        var generator = SplitMix64(seed: seed)
        w = (0..<(Self.dimension * Self.latent)).map { _ in Float(generator.nextGaussian()) }
        v = (0..<(Self.descriptorWidth * Self.descriptorLatent)).map { _ in Float(generator.nextGaussian()) / Float(8).squareRoot() }
        centres = (0..<(structure.clusters * Self.latent)).map { _ in Float(generator.nextGaussian()) }
        descriptorCentres = (0..<(structure.clusters * Self.descriptorLatent)).map { _ in Float(generator.nextGaussian()) }
        self.structure = structure
        self.generator = generator
    }

    /// The image path `number` gets under `/synthetic`.
    public static func path(_ number: Int) -> String { String(format: "/synthetic/img%07d.jpg", number) }

    /// Writes `images` images under the root `/synthetic` as a model of their own, with their
    /// search data; returns how many rows the search data update projected. `planted` hears
    /// each planted group's image numbers once the batch holding it is written.
    public mutating func write(
        images: Int, into index: IndexWriter, threads: Int, planted: ([Int]) throws -> Void = { _ in }
    ) throws -> Int {
        let modelID = try index.models.register(ModelRegistration(
            weightsSHA256: String(repeating: "0", count: 64), name: "synthetic", architecture: .vgg16,
            preprocessing: .torch, resizePolicy: .squash, featureDimension: structure.networkWidth))
        let run = try index.runs.begin(options: "generate-index \(images)", modelID: modelID)
        let scan = SearchCoding.coding(index.scanIndex(runID: run, modelID: modelID))
        let target = try scan.target(for: Array("/synthetic".utf8))
        var original: ImageResult?
        var group = [Int]()
        var complete = [[Int]]()
        var written = 0
        while written < images {
            var records = [ScanRecord]()
            for _ in 0..<min(1000, images - written) {
                let place = written % Self.groupSpacing
                let result: ImageResult
                if place > 0 && place < structure.groupSize, let original {
                    result = nearCopy(of: original, number: written)
                    group.append(written)
                    if place == structure.groupSize - 1 { complete.append(group) }
                } else {
                    result = image(written)
                    if place == 0 { original = result; group = [written] }
                }
                let name = Array(String(format: "img%07d.jpg", written).utf8)
                let file = FoundFile(
                    rootID: target.rootID, relativePath: name, absolutePath: PathBytes.join(target.rootPath, name),
                    stat: FileStat(size: 1, mtimeNanoseconds: 0, inode: UInt64(written), device: 0))
                records.append(.indexed(file, replacing: nil, fingerprint: Self.fingerprint(name), width: 224, height: 224, result: result))
                written += 1
            }
            try scan.write(records)
            for group in complete { try planted(group) }
            complete.removeAll()
        }
        try index.runs.finish(run, status: .finished, counts: RunCounts())
        return try SearchMaintenance.update(index, modelID: modelID, threads: threads)
    }

    private mutating func normal() -> Float { Float(generator.nextGaussian()) }

    /// Draws the normals of the network values a narrow index does not keep, so that the
    /// images after them get the vectors they get at full width.
    private mutating func skipNormals(_ count: Int) { generator.skipGaussians(count) }

    /// A new image's vectors.
    private mutating func image(_ number: Int) -> ImageResult {
        let subject = structure.clusters > 0 ? Int(generator.next() % UInt64(structure.clusters)) : nil
        let gem = descriptor(subject: subject)
        let rmac = descriptor(subject: subject)
        let z = mixed((0..<Self.latent).map { _ in normal() }, centres: centres, subject: subject)
        let vector = (0..<structure.networkWidth).map { row in
            var sum: Float = 0
            for j in 0..<Self.latent { sum += w[row * Self.latent + j] * z[j] }
            return max(0, sum + 0.35 * 8 * normal())
        }
        skipNormals(Self.dimension - structure.networkWidth)
        return ImageResult(top: Self.top(number), features: vector, gem: gem, rmac: rmac)
    }

    /// A near-duplicate of `original`: its vectors plus small noise.
    private mutating func nearCopy(of original: ImageResult, number: Int) -> ImageResult {
        let vector = original.features.map { max(0, $0 + 0.01 * normal()) }
        skipNormals(Self.dimension - structure.networkWidth)
        return ImageResult(top: Self.top(number), features: vector, gem: nearCopy(original.gem), rmac: nearCopy(original.rmac))
    }

    /// `noise` alone, or 0.6 of the subject's centre and 0.8 of `noise`.
    private func mixed(_ noise: [Float], centres: [Float], subject: Int?) -> [Float] {
        guard let subject else { return noise }
        let centre = centres[(subject * noise.count)..<((subject + 1) * noise.count)]
        return zip(centre, noise).map { 0.6 * $0 + 0.8 * $1 }
    }

    /// A unit, non-negative, low-rank-plus-noise descriptor.
    private mutating func descriptor(subject: Int?) -> [Float] {
        let z = mixed((0..<Self.descriptorLatent).map { _ in normal() }, centres: descriptorCentres, subject: subject)
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
