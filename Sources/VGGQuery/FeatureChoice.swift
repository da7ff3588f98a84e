import VGGCommon
import VGGIndexTypes

/// Which stored vectors a search compares: the kind a person named (`--feature fc7|pool5|gem|
/// rmac`), or the command's default, and what happens when some images lack them.
public struct FeatureChoice: Sendable, Equatable {
    /// The kind compared.
    public let kind: FeatureKind
    /// The name given, lowercased; nil when the default stands.
    public let name: String?

    /// What `similar` compares when not told: the model's own feature vector (fc7, or pool5
    /// for a model that ends there), "photos like this one", which is what the tool is for.
    public static let similar = FeatureChoice(kind: .network, name: nil)

    /// What `duplicates` compares when not told: R-MAC, the best at finding edited copies of a
    /// photo on the trained VGG16 convolution base (Benchmarks/README.md, "Near-duplicate
    /// thresholds").
    public static let duplicates = FeatureChoice(kind: .rmac, name: nil)

    private init(kind: FeatureKind, name: String?) {
        self.kind = kind
        self.name = name
    }

    /// The kind `name` names, or `fallback` when `name` is nil; refused when it names none.
    public init(named name: String?, default fallback: FeatureChoice) throws(QueryError) {
        guard let name else {
            self = fallback
            return
        }
        guard let kind = FeatureKind(name: name) else { throw .invalidArgument("--feature \(name): expected fc7, pool5, gem or rmac.") }
        self.init(kind: kind, name: name.lowercased())
    }

    /// Whether an approximate index may answer a search of these vectors: not of pool5 named
    /// (a model's pool5 has no approximate index; for a model with fc7 the exact search gives
    /// the refusal).
    public var mayUseApproximateIndex: Bool { name != "pool5" }

    /// The kinds of vector the approximate index commands handle for `model`: those named
    /// (`--feature`, each once; pool5 is refused, as is fc7 for a model that ends at pool5),
    /// or what `similar` and `duplicates` compare by default that the model has (fc7, R-MAC).
    public static func approximateKinds(named names: [String], model: StoredModel) throws(QueryError) -> [FeatureKind] {
        guard !names.isEmpty else {
            return [similar.kind, duplicates.kind].filter { ApproximateLookup.dimension(model: model, kind: $0) != nil }
        }
        var kinds = [FeatureKind]()
        for name in names {
            let kind = try approximateKind(named: name)
            guard ApproximateLookup.dimension(model: model, kind: kind) != nil else {
                throw .invalidArgument(
                    "--feature \(name): model \(model.id) ends at pool5 (\(model.featureDimension) values), which is searched exactly; "
                        + "its approximate indexes hold rmac or gem")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }

    /// The kind an approximate index command's `--feature` names; pool5 and unknown names refused.
    public static func approximateKind(named name: String) throws(QueryError) -> FeatureKind {
        guard let kind = FeatureKind(name: name), name.lowercased() != "pool5" else {
            throw .invalidArgument("--feature \(name): an approximate index holds fc7, rmac or gem vectors (pool5 is searched exactly).")
        }
        return kind
    }

    /// What a search of `kind` says of the indexed images it cannot compare for lack of
    /// that descriptor.
    public static func leftOut(_ lacking: Int, kind: FeatureKind) -> String {
        "\(counted(lacking, "indexed image")) without a \(kind.rawValue) descriptor \(lacking == 1 ? "is" : "are") left out; \(rescan)"
    }

    /// What computes missing descriptors.
    private static let rescan = "run `vggbatch scan` again to compute them"

    /// The search context of the chosen vectors. fc7 for a model that ends at pool5 (or pool5
    /// for one with fc7) is refused. When some indexed images lack the descriptors (an index
    /// made before they existed, partly rescanned) the default searches the model's own
    /// feature vector instead, which every image has, and says so through `onNote`; a named
    /// `gem` or `rmac` searches the images that have them and says how many are left out.
    public func load(
        index: IndexReader, modelID: Int64?, threads: Int, onNote: (String) -> Void
    ) throws(QueryError) -> SearchContext {
        if kind != .network {
            let model = try SearchContext.chooseModel(index: index, requested: modelID)
            let lacking: Int
            do throws(StoreError) {
                lacking = try index.search.imagesWithoutDescriptor(modelID: model.id, kind: kind)
            } catch {
                throw .store(error)
            }
            if lacking > 0 {
                if name == nil {
                    let fallback = try SearchContext.load(index: index, modelID: modelID, threads: threads, kind: .network)
                    onNote("vggbatch: note: \(counted(lacking, "indexed image")) \(lacking == 1 ? "has" : "have") no \(kind.rawValue) "
                        + "descriptor yet; comparing \(fallback.featureName) (\(Self.rescan))")
                    return fallback
                }
                onNote("vggbatch: warning: " + Self.leftOut(lacking, kind: kind))
            }
        }
        let context = try SearchContext.load(index: index, modelID: modelID, threads: threads, kind: kind)
        if let name, kind == .network, name != context.featureLayer {
            throw .invalidArgument(
                "--feature \(name): model \(context.model.id) stores \(context.featureLayer), not \(name); use \(context.featureLayer), gem or rmac")
        }
        return context
    }
}
