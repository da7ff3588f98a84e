import VGGCommon
import VGGImaging
import VGGIndexTypes
import VGGInference

/// Which model of an index a scan or a worker computes, checked against the loaded weights
/// before anything is written: one model keeps one set of weights, preprocessing, resize
/// policy and precision, so that all its vectors compare alike.
public enum ModelChoice {
    /// The resize policy a scan reuses when none is asked for: the remembered model's, when
    /// the loaded weights are its file.
    public static func reusedResizePolicy(remembered: StoredModel?, loaded: LoadedModel) -> ResizePolicy? {
        guard let remembered, remembered.weightsSHA256 == loaded.identity.sha256 else { return nil }
        return remembered.resizePolicy
    }

    /// What a scan does with colour profiles when not told: what the model these weights
    /// make already does (one model keeps one handling), else convert to sRGB.
    public static func color(for loaded: LoadedModel, resizePolicy: ResizePolicy, models: [StoredModel]) -> ColorHandling {
        models.first { loaded.mismatch(with: $0, resizePolicy: resizePolicy) != .otherModel }?.color ?? .srgb
    }

    /// Refuses a scan whose weights would compute one of the index's models in another
    /// precision or colour handling, or (unless `addModel`) a model the index does not have
    /// beside the one it remembers.
    public static func checkScan(
        loaded: LoadedModel, resizePolicy: ResizePolicy, color: ColorHandling = .srgb, models: [StoredModel], remembered: StoredModel?,
        addModel: Bool
    ) throws(IndexingError) {
        for model in models {
            let mismatch = loaded.mismatch(with: model, resizePolicy: resizePolicy)
            if case .precision(let stored, let computed) = mismatch {
                throw .modelRefused(
                    "model \(model.id)'s vectors were computed in \(stored), and this scan would compute \(computed); scan with "
                        + "--precision \(stored) (or without --precision) to go on with it, or into a new index to compute them in \(computed)")
            }
            if mismatch == nil, model.color != color {
                throw .modelRefused(
                    "model \(model.id)'s vectors were computed with colour profiles \(model.color == .srgb ? "converted to sRGB" : "ignored"), "
                        + "and this scan would do otherwise; scan with --color \(model.color) (or without --color) to go on with it, or "
                        + "into a new index")
            }
        }
        guard !addModel, let known = remembered, !models.contains(where: { loaded.mismatch(with: $0, resizePolicy: resizePolicy) == nil })
        else { return }
        throw .modelRefused(
            "these weights (\(loaded.described(resizePolicy: resizePolicy))) are not a model of this index (model \(known.id): "
                + "\(known.described(withResizePolicy: true))); pass its weights with --weights; or scan with --add-model to compute "
                + "another model's results beside it")
    }

    /// Refuses a worker whose weights do not compute `target`, the model the queue's files
    /// wait for.
    public static func checkWorker(loaded: LoadedModel, target: StoredModel) throws(IndexingError) {
        switch loaded.mismatch(with: target) {
        case nil:
            return
        case .precision(let stored, let computed):
            throw .modelRefused(
                "model \(target.id), which the queue's files wait for, is computed in \(stored), not \(computed); work with "
                    + "--precision \(stored) (or without --precision)")
        case .otherModel:
            let expected = target.weightsPath.map { " (last found at \(PathBytes.display($0)))" } ?? ""
            throw .modelRefused(
                "these weights (\(loaded.described())) are not model \(target.id), which the queue's files wait for "
                    + "(\(target.described()))\(expected); pass --weights with that file")
        }
    }
}
