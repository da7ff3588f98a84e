import ArgumentParser
import VGGIndexTypes
import VGGQuery

/// `--feature`: which stored vectors `similar` and `duplicates` compare (`FeatureChoice`).
struct FeatureOption: ParsableArguments {
    @Option(
        name: .customLong("feature"),
        help: ArgumentHelp(
            "Vectors to compare: fc7 (pool5 for a _notop model), gem or rmac (pooled from conv5_3). Default: fc7 for similar, \(FeatureChoice.duplicates.kind.rawValue) for duplicates.",
            valueName: "kind"))
    var name: String?

    func validate() throws {
        do throws(QueryError) {
            _ = try FeatureChoice(named: name, default: .similar)
        } catch {
            throw ValidationError(error.reason)
        }
    }

    /// The search context of the chosen vectors (notes go to standard error).
    func load(index: IndexReader, modelID: Int64?, threads: Int, default fallback: FeatureChoice) throws(QueryError) -> SearchContext {
        try FeatureChoice(named: name, default: fallback).load(index: index, modelID: modelID, threads: threads) { printError($0) }
    }
}
