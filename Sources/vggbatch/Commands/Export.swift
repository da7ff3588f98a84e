import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGPipeline
import VGGIndexTypes
import VGGQuery

extension VGGBatch {
    /// `vggbatch export`: every indexed image with its labels (and features).
    struct Export: ParsableCommand {

        static let configuration = CommandConfiguration(
            abstract: "Export every indexed image: labels, and fc7, GeM and R-MAC vectors with --features.",
            discussion: """
                jsonl: one {"path", "top", "fc7", "gem", "rmac"} object per line (as classify \
                prints; "fc7" is pool5 for a _notop model). csv: path and the top-5 index, wnid, \
                label, probability (fc7_*, gem_* and rmac_* columns with --features). npy: an N×D \
                float32 array of the --feature vectors (default fc7) in OUTPUT and the paths, one \
                per line, in OUTPUT.paths.txt. Uses the model with the most images unless --model \
                is given.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "csv, jsonl or npy.")
        var format: ExportWriter.Format = .jsonl

        @Flag(help: "Include the feature vectors (fc7 or pool5) and the GeM and R-MAC descriptors.")
        var features = false

        @Option(help: ArgumentHelp("With --format npy: the vectors of the array, fc7 (pool5), gem or rmac.", valueName: "kind"))
        var feature = "fc7"

        @Option(help: ArgumentHelp("Output file (required for npy); standard output otherwise.", valueName: "path"))
        var output: String?

        @Option(parsing: .unconditional, help: "Model id (see `vggbatch status`).")
        var model: Int64?

        func validate() throws {
            if format == .npy && output == nil { throw ValidationError("--format npy needs --output FILE.") }
            do throws(QueryError) {
                _ = try FeatureChoice(named: feature, default: .similar)
            } catch {
                throw ValidationError(error.reason)
            }
        }

        func run() throws {
            let index = try database.openReader()
            do {
                guard let chosen = try index.models.model(id: model) else {
                    if let model { throw CommandFailure("no model \(model) in the index (see `vggbatch status`)") }
                    throw CommandFailure("the index has no results yet; run `vggbatch scan DIR` first")
                }
                let modelID = chosen.id
                let sink = try ExportWriter(
                    format: format, features: features || format == .npy, output: output, matrix: (try? FeatureChoice(named: feature, default: .similar).kind) ?? .network,
                    descriptorWidth: chosen.architecture.descriptorWidth)
                do {
                    try index.results.exportRows(modelID: modelID, includeFeatures: features || format == .npy) { row in
                        try sink.write(row)
                    }
                    try sink.finish()
                } catch {
                    sink.abandon()
                    throw error
                }
                if let output { printError("exported \(counted(sink.rowCount, "image")) to \(output)") }
            } catch let error as StoreError {
                throw error.failure
            } catch let error as QueryError {
                throw error.failure
            }
        }
    }
}

extension ExportWriter.Format: ExpressibleByArgument {}
