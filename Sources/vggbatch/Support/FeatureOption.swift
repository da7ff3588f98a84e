import ArgumentParser
import VGGCommon
import VGGIndexTypes
import VGGQuery

/// `--feature`: which stored vectors `similar` and `duplicates` compare.
struct FeatureOption: ParsableArguments {
    @Option(
        name: .customLong("feature"),
        help: ArgumentHelp(
            "Vectors to compare: fc7 (pool5 for a _notop model), gem or rmac (pooled from conv5_3). Default: fc7 for similar, \(SearchDefaults.duplicatesFeature.rawValue) for duplicates.",
            valueName: "kind"))
    var name: String?

    func validate() throws {
        if let name, FeatureKind(name: name) == nil {
            throw ValidationError("--feature \(name): expected fc7, pool5, gem or rmac.")
        }
    }

    /// The kind asked for, or `fallback` when none was.
    func kind(default fallback: FeatureKind) -> FeatureKind { name.flatMap(FeatureKind.init(name:)) ?? fallback }

    /// The search context of the chosen vectors. fc7 for a model that ends at pool5 (or
    /// pool5 for one with fc7) is refused. When some indexed images lack the descriptors (an
    /// index made before they existed, partly rescanned) the default searches the model's
    /// own feature vector instead, which every image has, and says so; an explicit
    /// `--feature gem|rmac` searches the images that have them and says how many are left out.
    func load(index: IndexReader, modelID: Int64?, threads: Int, default fallback: FeatureKind) throws(QueryError) -> SearchContext {
        let kind = kind(default: fallback)
        if kind != .network {
            let chosen: StoredModel?
            let lacking: Int
            do throws(StoreError) {
                chosen = try index.models.model(id: modelID)
                lacking = try chosen.map { model throws(StoreError) in try index.search.imagesWithoutDescriptor(modelID: model.id, kind: kind) } ?? 0
            } catch {
                throw .store(error)
            }
            if lacking > 0 {
                let rescan = "run `vggbatch scan` again to compute them"
                if name == nil {
                    let fallback = try SearchContext.load(index: index, modelID: modelID, threads: threads, kind: .network)
                    printError("vggbatch: note: \(counted(lacking, "indexed image")) \(lacking == 1 ? "has" : "have") no \(kind.rawValue) "
                        + "descriptor yet; comparing \(fallback.featureName) (\(rescan))")
                    return fallback
                }
                printError("vggbatch: warning: \(counted(lacking, "indexed image")) without a \(kind.rawValue) descriptor \(lacking == 1 ? "is" : "are") left out; \(rescan)")
            }
        }
        let context = try SearchContext.load(index: index, modelID: modelID, threads: threads, kind: kind)
        if let name = name?.lowercased(), kind == .network, name != context.featureLayer {
            throw .invalidArgument(
                "--feature \(name): model \(context.model.id) stores \(context.featureLayer), not \(name); use \(context.featureLayer), gem or rmac")
        }
        return context
    }
}
