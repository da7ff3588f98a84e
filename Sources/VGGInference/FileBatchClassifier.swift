import Foundation
import VGGCommon
import VGGEngine
import VGGImaging

/// The network's outputs for one image.
public struct ImageOutput: Sendable {
    /// The feature vector (fc7 after its ReLU; pool5 flattened for a convolutions-only network).
    public var features: [Float]
    /// Class probabilities (empty for a network without a classifier).
    public var probabilities: [Float]
    /// The GeM and R-MAC descriptors of the last convolution.
    public var gem: [Float]
    public var rmac: [Float]

    /// The vector of `kind`.
    public func vector(_ kind: FeatureKind) -> [Float] { kind.pick(network: features, gem: gem, rmac: rmac) }
}

/// One file's result, keyed by its path (never by its position in a batch).
public struct FileResult: Sendable {
    public var path: String
    public var outcome: Result<(output: ImageOutput, info: ImageInfo), ImagingError>
}

/// Decodes a batch of files in parallel, runs the decodable ones through the network in one
/// forward pass and hands back each file's own result.
public struct FileBatchClassifier {
    public let model: LoadedModel
    public let preparation: ImagePreparation

    public init(model: LoadedModel, preparation: ImagePreparation) {
        self.model = model
        self.preparation = preparation
    }

    /// One result per path, in the order given; at most `model.network.options.maxBatchSize` paths.
    public func classify(_ paths: [String]) -> [FileResult] {
        let a = model.network.architecture
        let floats = a.inputChannels * a.inputHeight * a.inputWidth
        let prepared = decodeAll(paths)
        var slots = [Int: Int]()
        var inputs = [Float]()
        for (index, result) in prepared.enumerated() {
            guard case .success(let image) = result else { continue }
            slots[index] = slots.count
            inputs.append(contentsOf: [Float](repeating: 0, count: floats))
            model.preset.write(image.resized, into: &inputs, at: (slots.count - 1) * floats)
        }
        let outputs = slots.isEmpty ? nil : model.network.forward(inputs, count: slots.count)
        return paths.indices.map { index in
            switch prepared[index] {
            case .failure(let error): return FileResult(path: paths[index], outcome: .failure(error))
            case .success(let image):
                let slot = slots[index] ?? 0
                let output = ImageOutput(
                    features: outputs.map { Array($0.features(of: slot)) } ?? [],
                    probabilities: outputs.map { Array($0.probabilities(of: slot)) } ?? [],
                    gem: outputs.map { Array($0.gem(of: slot)) } ?? [], rmac: outputs.map { Array($0.rmac(of: slot)) } ?? [])
                return FileResult(path: paths[index], outcome: .success((output, image.info)))
            }
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
