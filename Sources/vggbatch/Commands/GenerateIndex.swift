import ArgumentParser
import Foundation
import VGGIndexTypes
import VGGCommon
import VGGIndexing

extension VGGBatch {
    /// `vggbatch generate-index` (hidden): a synthetic index for the search benchmarks.
    struct GenerateIndex: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-index",
            abstract: "Write a synthetic index of N images with fc7-like vectors and descriptors (search benchmarks).",
            discussion: """
                fc7-like vectors (non-negative, low-rank plus noise) and GeM and R-MAC descriptors \
                whose unrelated pairs score as R-MAC of unrelated photos does on the trained base; \
                every 50th image also gets a near-duplicate (see `SyntheticIndex`).
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
            var generator = SyntheticIndex(seed: seed)
            do {
                let projected = try generator.write(images: images, into: index, threads: ProcessInfo.processInfo.activeProcessorCount)
                print("wrote \(images) synthetic images to \(index.location); projected \(projected)")
            } catch let error as StoreError {
                throw error.failure
            }
        }
    }
}
