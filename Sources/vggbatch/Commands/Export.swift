import ArgumentParser
import Foundation
import VGGModel
import VGGPipeline
import VGGIndexTypes
import VGGQuery

extension VGGBatch {
    /// `vggbatch export`: every indexed image with its labels (and features).
    struct Export: ParsableCommand {

        static let configuration = CommandConfiguration(
            abstract: "Export every indexed image: labels, and fc7 features with --features.",
            discussion: """
                jsonl: one {"path", "top", "fc7"} object per line (as classify prints). csv: path \
                and the top-5 index, wnid, label, probability (fc7 columns with --features). npy: \
                an N×D float32 array in OUTPUT and the paths, one per line, in OUTPUT.paths.txt. \
                Uses the model with the most images unless --model is given.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "csv, jsonl or npy.")
        var format: ExportWriter.Format = .jsonl

        @Flag(help: "Include the fc7 feature vectors.")
        var features = false

        @Option(help: ArgumentHelp("Output file (required for npy); standard output otherwise.", valueName: "path"))
        var output: String?

        @Option(parsing: .unconditional, help: "Model id (see `vggbatch status`).")
        var model: Int64?

        func validate() throws {
            if format == .npy && output == nil { throw ValidationError("--format npy needs --output FILE.") }
        }

        func run() throws {
            let index = try database.openReader()
            do {
                let sink = try ExportWriter(format: format, features: features || format == .npy, output: output)
                guard let modelID = try model ?? index.defaultModel()?.id else {
                    throw CommandFailure("the index has no results yet; run `vggbatch scan DIR` first")
                }
                try index.exportRows(modelID: modelID, includeFeatures: features || format == .npy) { row in
                    try sink.write(row)
                }
                try sink.finish()
                if let output { printError("exported \(sink.rowCount) images to \(output)") }
            } catch let error as StoreError {
                throw error.failure
            } catch let error as QueryError {
                throw error.failure
            }
        }
    }
}

extension ExportWriter.Format: ExpressibleByArgument {}
