import VGGIndexTypes
import VGGInference
import VGGPipeline

/// `classify --files-from`: paths read from a stream (a pipe from Spark's `RDD.pipe`, a list
/// file) go through the scan's stages without an index, and each finished file becomes a
/// result line (`ResultLine`) as soon as it is done, keyed by its path.
public struct StreamClassification {
    public let model: LoadedModel
    public let options: ScanOptions
    /// Classes per result line.
    public let top: Int
    /// How the lines carry the vectors; nil for lines without them.
    public let features: ResultLine.FeatureEncoding?

    public init(model: LoadedModel, options: ScanOptions, top: Int, features: ResultLine.FeatureEncoding?) {
        self.model = model
        self.options = options
        self.top = top
        self.features = features
    }

    /// What a run did, and why it stopped reading early, if it did.
    public struct Outcome {
        public var summary: ScanSummary
        public var inputError: String?
    }

    /// Reads paths from `descriptor` until its end and hands each group of finished lines
    /// (newline-terminated JSON) to `write`, from one thread.
    public func run(
        descriptor: Int32, separator: StreamedFiles.Separator, cancellation: CancellationFlag, write: @escaping (String) throws -> Void
    ) throws(IndexingError) -> Outcome {
        let registration = model.registration(resizePolicy: options.preparation.policy, color: options.preparation.color)
        let encoding = features
        let files = StreamedFiles(descriptor: descriptor, separator: separator) { records in
            var text = ""
            for record in records {
                guard let line = ResultLine(record, model: registration) else { continue }
                text += line.json(features: encoding)
                text += "\n"
            }
            try write(text)
        }
        let summary: ScanSummary
        do {
            summary = try ScanPipeline(
                options: options, source: .stream(files), index: files,
                classifier: EngineClassifier(network: model.network, preset: model.preset, top: top), cancellation: cancellation
            ).run(progress: { _ in })
        } catch {
            throw IndexingError.from(error)
        }
        return Outcome(summary: summary, inputError: files.inputError)
    }
}
