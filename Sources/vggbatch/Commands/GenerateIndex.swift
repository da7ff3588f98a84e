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
                every 50th image starts a planted group of --group-size near-duplicates. With \
                --clusters the vectors are a mixture of that many Gaussians (many photos of few \
                subjects), the structure an approximate search must be measured on. --planted \
                writes the planted groups, one JSON line of paths each (see `SyntheticIndex`). \
                --network-width keeps only the first values of the fc7-like vector and every \
                descriptor as it is at full width: R-MAC and GeM measured at sizes whose fc7 \
                would not fit on the disk.
                """,
            shouldDisplay: false)

        @OptionGroup var database: DatabaseOptions

        @Option(parsing: .unconditional, help: "Number of images.")
        var images = 100_000

        @Option(parsing: .unconditional, help: "Random seed.")
        var seed: UInt64 = 1

        @Option(parsing: .unconditional, help: "Subjects the vectors cluster around (0: unstructured).")
        var clusters = 0

        @Option(parsing: .unconditional, help: "Images in each planted near-duplicate group, one every 50 images.")
        var groupSize = 2

        @Option(parsing: .unconditional, help: "Values of the fc7-like vector kept (4096: all; the descriptors do not change).")
        var networkWidth = SyntheticIndex.dimension

        @Option(help: ArgumentHelp("Write the planted groups here, one JSON line of paths each.", valueName: "file"))
        var planted: String?

        func validate() throws {
            if !(1...100_000_000).contains(images) { throw ValidationError("--images must be 1...100000000, got \(images).") }
            if !(0...min(100_000, images)).contains(clusters) {
                throw ValidationError("--clusters must be 0...\(min(100_000, images)) (at most --images), got \(clusters).")
            }
            if !(2...SyntheticIndex.groupSpacing).contains(groupSize) {
                throw ValidationError("--group-size must be 2...\(SyntheticIndex.groupSpacing), got \(groupSize).")
            }
            if !(1...SyntheticIndex.dimension).contains(networkWidth) {
                throw ValidationError("--network-width must be 1...\(SyntheticIndex.dimension), got \(networkWidth).")
            }
        }

        func run() throws {
            var groups: FileHandle?
            if let planted {
                guard FileManager.default.createFile(atPath: planted, contents: nil), let handle = FileHandle(forWritingAtPath: planted) else {
                    throw CommandFailure("cannot write \(planted)")
                }
                groups = handle
            }
            defer { try? groups?.close() }
            let index = try database.openWriter()
            defer { index.close() }
            var generator = SyntheticIndex(seed: seed, structure: SyntheticIndex.Structure(clusters: clusters, groupSize: groupSize, networkWidth: networkWidth))
            do {
                let projected = try generator.write(
                    images: images, into: index, threads: ProcessInfo.processInfo.activeProcessorCount
                ) { group in
                    let line = JSONText.object([("paths", "[" + group.map { JSONText.string(SyntheticIndex.path($0)) }.joined(separator: ",") + "]")])
                    try groups?.write(contentsOf: Data((line + "\n").utf8))
                }
                print("wrote \(images) synthetic images to \(index.location); projected \(projected)")
            } catch let error as StoreError {
                throw error.failure
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure("cannot write \(planted ?? "the planted groups"): \(error.localizedDescription)")
            }
        }
    }
}
