import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGStore

extension VGGBatch {
    /// `vggbatch generate-index` (hidden): a synthetic index for the search benchmarks.
    struct GenerateIndex: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-index",
            abstract: "Write a synthetic index of N images with fc7-like vectors (search benchmarks).",
            discussion: """
                Vectors are ReLU(W z + 0.35 n), L2-normalised, with W a fixed random 4096×64 matrix and \
                z, n standard normal: non-negative and low-rank plus noise, as real fc7 vectors are. \
                Every 50th image also gets a near-duplicate (its vector plus small noise).
                """,
            shouldDisplay: false)

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Number of images.")
        var images = 100_000

        @Option(parsing: .unconditional, help: "Random seed.")
        var seed: UInt64 = 1

        func run() throws {
            let path = database.path(environment: ProcessInfo.processInfo.environment)
            let index = try IndexDatabase(path: path, readOnly: false)
            var generator = SplitMix64(seed: seed)
            func normal() -> Float { Float(generator.nextGaussian()) }
            let dimension = 4096
            let latent = 64
            let w = (0..<(dimension * latent)).map { _ in normal() }
            let root = try index.transaction { try index.scope(for: Array("/synthetic".utf8)).scope.root.id }
            let modelID = try index.modelID(
                weightsSHA256: String(repeating: "0", count: 64), name: "synthetic", architecture: "synthetic",
                preprocessing: "torch", resizePolicy: "squash", featureDimension: dimension)
            let run = try index.beginRun(options: "generate-index \(images)", modelID: modelID)
            var previous = [Float]()
            var written = 0
            while written < images {
                try index.transaction {
                    for _ in 0..<min(1000, images - written) {
                        var vector: [Float]
                        if written % 50 == 1 && !previous.isEmpty {
                            vector = previous.map { max(0, $0 + 0.01 * normal()) }
                        } else {
                            let z = (0..<latent).map { _ in normal() }
                            vector = (0..<dimension).map { row in
                                var sum: Float = 0
                                for j in 0..<latent { sum += w[row * latent + j] * z[j] }
                                return max(0, sum + 0.35 * 8 * normal())
                            }
                        }
                        previous = vector
                        let name = String(format: "img%07d.jpg", written)
                        let fingerprint = Array(SHA256Fingerprint.of(name))
                        try index.storeIndexed(
                            existingID: nil, rootID: root, relativePath: Array(name.utf8),
                            stat: StoredStat(size: 1, mtimeNanoseconds: 0, inode: UInt64(written), device: 0),
                            fingerprint: fingerprint, width: 224, height: 224, runID: run, modelID: modelID,
                            top: (0..<5).map { ((written * 7 + $0 * 131) % 1000, 0.2) }, features: vector)
                        written += 1
                    }
                }
            }
            try index.finishRun(run, status: "finished", counts: RunCounts())
            let projected = try SearchMaintenance.update(index, modelID: modelID, threads: ProcessInfo.processInfo.activeProcessorCount)
            print("wrote \(written) synthetic images to \(path); projected \(projected)")
        }
    }
}

/// A stand-in content fingerprint for synthetic rows (distinct per name).
enum SHA256Fingerprint {
    static func of(_ text: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(Array(text.utf8))
        let hex = Array(hasher.finalizeHex().utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16) ?? 0 }
    }
}
