import ArgumentParser
import Foundation
import VGGPipeline
import VGGIndexTypes
import VGGCommon
import VGGModel
import VGGIndexing
import VGGSearch

extension VGGBatch {
    /// `vggbatch generate-index` (hidden): a synthetic index for the search benchmarks.
    struct GenerateIndex: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-index",
            abstract: "Write a synthetic index of N images with fc7-like vectors and descriptors (search benchmarks).",
            discussion: """
                Vectors are ReLU(W z + 0.35 n), L2-normalised, with W a fixed random 4096×64 matrix and \
                z, n standard normal: non-negative and low-rank plus noise, as real fc7 vectors are. \
                The GeM and R-MAC descriptors are ReLU(V z + 2 n) at 512 dimensions (V a fixed \
                random 512×256 matrix scaled by 1/√8, unit length): unrelated pairs at cosine 0.32 \
                in the median, as R-MAC of unrelated photos on the trained base, and none above \
                about 0.55. Every 50th image also gets a near-duplicate (its vectors plus small noise).
                """,
            shouldDisplay: false)

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Number of images.")
        var images = 100_000

        @Option(parsing: .unconditional, help: "Random seed.")
        var seed: UInt64 = 1

        func run() throws {
            let index = try database.openWriter()
            defer { index.close() }
            var generator = SplitMix64(seed: seed)
            func normal() -> Float { Float(generator.nextGaussian()) }
            let dimension = 4096
            let latent = 64
            let w = (0..<(dimension * latent)).map { _ in normal() }
            let descriptorWidth = 512
            let descriptorLatent = 256
            let v = (0..<(descriptorWidth * descriptorLatent)).map { _ in normal() / Float(8).squareRoot() }
            /// A unit, non-negative, low-rank-plus-noise descriptor.
            func descriptor() -> [Float] {
                let z = (0..<descriptorLatent).map { _ in normal() }
                var d = (0..<descriptorWidth).map { row in
                    var sum: Float = 0
                    for j in 0..<descriptorLatent { sum += v[row * descriptorLatent + j] * z[j] }
                    return max(0, sum + 2 * normal())
                }
                UnitVector.normalise(&d)
                return d
            }
            func nearCopy(_ d: [Float]) -> [Float] {
                var copy = d.map { max(0, $0 + 0.002 * normal()) }
                UnitVector.normalise(&copy)
                return copy
            }
            do {
                let modelID = try index.models.register(ModelRegistration(
                    weightsSHA256: String(repeating: "0", count: 64), name: "synthetic", architecture: "synthetic",
                    preprocessing: "torch", resizePolicy: "squash", featureDimension: dimension))
                let run = try index.runs.begin(options: "generate-index \(images)", modelID: modelID)
                let scan = SearchCoding.coding(index.scanIndex(runID: run, modelID: modelID))
                let target = try scan.target(for: Array("/synthetic".utf8))
                var previous = [Float]()
                var previousDescriptors = ([Float](), [Float]())
                var written = 0
                while written < images {
                    var records = [ScanRecord]()
                    for _ in 0..<min(1000, images - written) {
                        var vector: [Float]
                        let descriptors: ([Float], [Float])
                        if written % 50 == 1 && !previous.isEmpty {
                            vector = previous.map { max(0, $0 + 0.01 * normal()) }
                            descriptors = (nearCopy(previousDescriptors.0), nearCopy(previousDescriptors.1))
                        } else {
                            descriptors = (descriptor(), descriptor())
                            let z = (0..<latent).map { _ in normal() }
                            vector = (0..<dimension).map { row in
                                var sum: Float = 0
                                for j in 0..<latent { sum += w[row * latent + j] * z[j] }
                                return max(0, sum + 0.35 * 8 * normal())
                            }
                        }
                        previous = vector
                        previousDescriptors = descriptors
                        let name = Array(String(format: "img%07d.jpg", written).utf8)
                        let file = FoundFile(
                            rootID: target.rootID, relativePath: name, absolutePath: target.rootPath + [UInt8(ascii: "/")] + name,
                            stat: FileStat(size: 1, mtimeNanoseconds: 0, inode: UInt64(written), device: 0))
                        records.append(.indexed(
                            file, replacing: nil, fingerprint: SHA256Fingerprint.of(name), width: 224, height: 224,
                            output: ImageResult(
                                top: (0..<5).map { ((written * 7 + $0 * 131) % 1000, 0.2) }, features: vector,
                                gem: descriptors.0, rmac: descriptors.1)))
                        written += 1
                    }
                    try scan.write(records)
                }
                try index.runs.finish(run, status: .finished, counts: RunCounts())
                let projected = try SearchMaintenance.update(index, modelID: modelID, threads: ProcessInfo.processInfo.activeProcessorCount)
                print("wrote \(written) synthetic images to \(index.location); projected \(projected)")
            } catch let error as StoreError {
                throw error.failure
            }
        }
    }
}

/// A stand-in content fingerprint for synthetic rows (distinct per name).
enum SHA256Fingerprint {
    static func of(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        let hex = Array(hasher.finalizeHex().utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16) ?? 0 }
    }
}
