import ArgumentParser
import VGGCommon
import VGGQuery

/// `--feature`: which stored vectors `similar` and `duplicates` compare.
struct FeatureOption: ParsableArguments {
    @Option(
        name: .customLong("feature"),
        help: ArgumentHelp(
            "Vectors to compare: fc7 (pool5 for a _notop model), gem or rmac (pooled from conv5_3). Default: \(SearchDefaults.feature.rawValue).",
            valueName: "kind"))
    var name: String?

    func validate() throws {
        if let name, FeatureKind(name: name) == nil {
            throw ValidationError("--feature \(name): expected fc7, pool5, gem or rmac.")
        }
    }

    var kind: FeatureKind { name.flatMap(FeatureKind.init(name:)) ?? SearchDefaults.feature }

    /// The search context of the chosen vectors. fc7 for a model that ends at pool5 (or
    /// pool5 for one with fc7) is refused; when the default descriptors are missing (an
    /// index made before they existed, not rescanned yet) the model's own feature vector is
    /// searched instead, with a note on standard error.
    func load(index: IndexReader, modelID: Int64?, threads: Int) throws(QueryError) -> SearchContext {
        let context: SearchContext
        do throws(QueryError) {
            context = try SearchContext.load(index: index, modelID: modelID, threads: threads, kind: kind)
        } catch .empty(let reason) where name == nil && kind != .network && reason.contains("descriptors") {
            let fallback = try SearchContext.load(index: index, modelID: modelID, threads: threads, kind: .network)
            printError("vggbatch: note: no \(kind.rawValue) descriptors in this index yet; comparing \(fallback.featureName) "
                + "(run `vggbatch scan` again to compute them)")
            return fallback
        }
        if let name = name?.lowercased(), kind == .network, name != context.featureLayer {
            throw .invalidArgument(
                "--feature \(name): model \(context.model.id) stores \(context.featureLayer), not \(name); use \(context.featureLayer), gem or rmac")
        }
        return context
    }
}
