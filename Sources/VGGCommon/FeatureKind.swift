/// The vectors an index keeps for each image and model, which `similar` and `duplicates`
/// search and `export` writes.
public enum FeatureKind: String, CaseIterable, Sendable, Codable {
    /// The network's own feature vector: fc7 after its ReLU, or pool5 flattened (C, H, W)
    /// for a convolutions-only (`_notop`) model.
    case network
    /// Generalised-mean pooling (p = 3) of the last convolution, 512 floats, unit length.
    case gem
    /// R-MAC (regional maximum activations, three scales) of the last convolution, 512
    /// floats, unit length.
    case rmac

    /// The kinds pooled from the last convolution, stored in the `descriptor` table.
    public static let pooled: [FeatureKind] = [.gem, .rmac]

    /// Of one value per kind, this kind's.
    public func pick<Value>(network: Value, gem: Value, rmac: Value) -> Value {
        switch self {
        case .network: network
        case .gem: gem
        case .rmac: rmac
        }
    }

    /// The name a person uses: fc7 or pool5 (by the model), gem, rmac.
    public func name(hasClassifier: Bool) -> String {
        switch self {
        case .network: hasClassifier ? "fc7" : "pool5"
        case .gem: "gem"
        case .rmac: "rmac"
        }
    }

    /// The kind a person named (`fc7`, `pool5`, `gem`, `rmac`), or nil.
    public init?(name: String) {
        switch name.lowercased() {
        case "fc7", "pool5": self = .network
        case "gem": self = .gem
        case "rmac", "r-mac": self = .rmac
        default: return nil
        }
    }
}
