import VGGCommon
import VGGIndexTypes
import VGGModel

/// What `similar` and `duplicates` compare when not told, and the near-duplicate threshold
/// of each kind of vector, with where each number comes from. The figures behind them are
/// in Benchmarks/README.md ("Search descriptors" and "Near-duplicate thresholds").
public enum SearchDefaults {
    /// The vectors `similar` compares by default: the model's own feature vector (fc7, or
    /// pool5 for a model that ends there), "photos like this one", which is what the tool is
    /// for.
    public static let similarFeature: FeatureKind = .network

    /// The vectors `duplicates` compares by default: R-MAC, the best at finding edited copies
    /// of a photo on the trained VGG16 convolution base (Benchmarks/README.md, "Near-duplicate
    /// thresholds").
    public static let duplicatesFeature: FeatureKind = .rmac

    /// A threshold and a sentence saying where it comes from.
    public struct Threshold: Sendable, Equatable {
        public var value: Float
        public var source: String

        public init(value: Float, source: String) {
            self.value = value
            self.source = source
        }
    }

    /// The near-duplicate threshold for `kind` of `model`'s vectors.
    ///
    /// GeM, R-MAC and pool5 are calibrated on the trained ImageNet VGG16 convolution base by
    /// scripts/calibrate_duplicates.py; every VGG16 file's convolutions are that base (or, for
    /// torchvision's, one trained the same way), so they hold for full models' descriptors too.
    /// fc7 could not be calibrated (no trained classifier weights reach these machines) and
    /// keeps the value chosen by hand when `duplicates` was first written.
    public static func threshold(model: StoredModel, kind: FeatureKind) -> Threshold {
        let calibrated = "calibrated on the trained VGG16 convolution base (scripts/calibrate_duplicates.py, 2026-12-05)"
        switch kind {
        case .gem: return Threshold(value: 0.62, source: calibrated)
        case .rmac: return Threshold(value: 0.63, source: calibrated)
        case .network:
            let hasClassifier = VGGArchitecture(metadataValue: model.architecture)?.hasClassifier ?? true
            if hasClassifier {
                return Threshold(value: 0.92, source: "the documented fc7 default, not yet calibrated on trained classifier weights")
            }
            return Threshold(value: 0.34, source: calibrated)
        }
    }
}
