import Foundation
import VGGCommon
import VGGEngine
import VGGImaging
import VGGIndexTypes

/// One file's result, keyed by its path (never by its position in a batch).
public struct FileResult: Sendable {
    public var path: String
    public var outcome: Result<(result: ImageResult, info: ImageInfo), ImagingError>
}

/// Decodes a batch of files in parallel, runs the decodable ones through the network in one
/// forward pass and hands back each file's own result.
public struct FileBatchClassifier {
    public let model: LoadedModel
    public let preparation: ImagePreparation
    private let engine: EngineClassifier

    /// Keeps the `top` best classes of each image.
    public init(model: LoadedModel, preparation: ImagePreparation, top: Int = 5) {
        self.model = model
        self.preparation = preparation
        engine = EngineClassifier(network: model.network, preset: model.preset, top: top)
    }

    /// One result per path, in the order given; at most `model.network.options.maxBatchSize` paths.
    public func classify(_ paths: [String]) -> [FileResult] {
        let prepared = decodeAll(paths)
        let decoded = prepared.compactMap { try? $0.get().resized }
        let results = decoded.isEmpty ? [] : engine.classify(decoded)
        // The decoded files' results come back in order: the n-th success is result n.
        var next = 0
        return zip(paths, prepared).map { path, outcome in
            FileResult(path: path, outcome: outcome.map { image in
                defer { next += 1 }
                return (results[next], image.info)
            })
        }
    }

    private func decodeAll(_ paths: [String]) -> [Result<PreparedImage, ImagingError>] {
        let results = ResultSlots<Result<PreparedImage, ImagingError>>(count: paths.count)
        let preparation = self.preparation
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let result: Result<PreparedImage, ImagingError>
            do throws(ImagingError) {
                result = .success(try preparation.prepare(contentsOf: paths[index]))
            } catch {
                result = .failure(error)
            }
            results.set(index, result)
        }
        return results.values()
    }
}

/// Fixed slots filled from several threads, each slot by exactly one.
final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func values() -> [T] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
