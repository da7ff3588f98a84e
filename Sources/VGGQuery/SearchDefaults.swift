import VGGCommon
import VGGIndexTypes
import VGGModel

/// The near-duplicate threshold of each kind of vector, with where each number comes from
/// (what each command compares when not told is `FeatureChoice`). The figures behind them are
/// in Benchmarks/README.md ("Search descriptors" and "Near-duplicate thresholds").
public enum SearchDefaults {
    /// A threshold and a sentence saying where it comes from.
    public struct Threshold: Sendable, Equatable {
        public var value: Float
        public var source: String

        public init(value: Float, source: String) {
            self.value = value
            self.source = source
        }
    }

    /// The convolutions the thresholds were calibrated on: the trained ImageNet VGG16 base
    /// (`ConvolutionBase.fingerprint` of scripts/trained_base.py's files, which the published
    /// Keras VGG16 files hold too).
    public static let calibratedConvolutionBase = "036ec31ec98a87e2eaf4cdd8175375f1889b4fb7c6ddfe380be9e2a0a93f37a3"

    /// The near-duplicate threshold for `kind` of `model`'s vectors.
    ///
    /// GeM, R-MAC and pool5 are calibrated on the trained ImageNet VGG16 convolution base by
    /// scripts/calibrate_duplicates.py (Benchmarks/README.md, "Near-duplicate thresholds"):
    /// the smallest values at which no two of 22 different scenes were merged. They hold for
    /// the descriptors of those convolutions only; for any other weights (random, torchvision's,
    /// fine-tuned) the same number is used and said to be uncalibrated. fc7 could not be
    /// calibrated (no trained classifier weights reach these machines) and keeps the value
    /// chosen by hand when `duplicates` was first written.
    public static func threshold(model: StoredModel, kind: FeatureKind) -> Threshold {
        let hasClassifier = model.architecture.hasClassifier
        let value: Float
        switch kind {
        case .gem: value = 0.77
        case .rmac: value = 0.69
        case .network:
            if hasClassifier {
                return Threshold(value: 0.92, source: "the documented fc7 default, not yet calibrated on trained classifier weights")
            }
            value = 0.66
        }
        switch model.convolutionBase {
        case calibratedConvolutionBase?:
            return Threshold(
                value: value,
                source: "calibrated on these convolutions, the trained ImageNet VGG16 base (scripts/calibrate_duplicates.py, 2026-12-06)")
        case nil:
            return Threshold(
                value: value,
                source: "calibrated on the trained ImageNet VGG16 base; whether model \(model.id) has those convolutions is not "
                    + "recorded yet (a scan with its weights records it)")
        default:
            return Threshold(
                value: value,
                source: "NOT calibrated for these weights: the value calibrated on the trained ImageNet VGG16 base, whose "
                    + "convolutions model \(model.id) does not have; pass --threshold after checking a few pairs")
        }
    }
}
