import VGGCommon
import VGGImaging
import VGGIndexTypes

/// How loaded weights stand against a model an index holds, when they do not compute its
/// results: the one check behind a scan's, a worker's and `similar`'s refusals.
public enum ModelMismatch: Equatable, Sendable {
    /// Another weights file, preprocessing or resize policy: another model.
    case otherModel
    /// The same model computed in another precision, whose vectors would not compare alike.
    case precision(stored: ComputePrecision, loaded: ComputePrecision)
}

extension LoadedModel {
    /// Whether these weights, with `resizePolicy` (nil: the model's own, as a worker and
    /// `similar` use), compute `model`'s results as the index has them; nil when they do.
    public func mismatch(with model: StoredModel, resizePolicy: ResizePolicy? = nil) -> ModelMismatch? {
        guard identity.sha256 == model.weightsSHA256, preset == model.preprocessing,
            resizePolicy.map({ $0 == model.resizePolicy }) ?? true
        else { return .otherModel }
        let precision = network.options.precision
        return precision == model.precision ? nil : .precision(stored: model.precision, loaded: precision)
    }

    /// These weights for a person: path, short SHA-256 and preprocessing (and the resize
    /// policy when given), as refusals name them.
    public func described(resizePolicy: ResizePolicy? = nil) -> String {
        "\(identity.path), sha256 \(identity.sha256.prefix(12))…, \(preset.rawValue)" + (resizePolicy.map { ", \($0.rawValue)" } ?? "")
    }
}

extension StoredModel {
    /// The model for a person: short SHA-256 and preprocessing (and resize policy), as
    /// refusals name it.
    public func described(withResizePolicy: Bool = false) -> String {
        "sha256 \(self.weightsSHA256.prefix(12))…, \(self.preprocessing.rawValue)" + (withResizePolicy ? ", \(self.resizePolicy.rawValue)" : "")
    }
}
