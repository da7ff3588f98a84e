import Foundation
import VGGEngine
import VGGImaging

/// The network's outputs for one image.
struct ImageOutput {
    var fc7: [Float]
    var probabilities: [Float]
}

/// One file's result, keyed by its path (never by its position in a batch).
struct FileResult {
    var path: String
    var outcome: Result<ImageOutput, ImagingError>
}

/// Decodes a batch of files in parallel, runs the decodable ones through the network in one
/// forward pass and hands back each file's own result.
struct FileBatchClassifier {
    let model: LoadedModel
    let preparation: ImagePreparation

    func classify(_ paths: [String]) -> [FileResult] {
        let a = model.network.architecture
        let imageFloats = a.inputChannels * a.inputHeight * a.inputWidth
        let prepared = decodeAll(paths)

        let good = prepared.indices.filter { if case .success = prepared[$0] { return true } else { return false } }
        var tensors = [Float](repeating: 0, count: max(good.count, 1) * imageFloats)
        tensors.withUnsafeMutableBufferPointer { buffer in
            for (slot, index) in good.enumerated() {
                guard case .success(let image) = prepared[index], let base = buffer.baseAddress else { continue }
                model.preset.write(image.resized, into: UnsafeMutableBufferPointer(start: base + slot * imageFloats, count: imageFloats))
            }
        }
        var fc7 = [Float](repeating: 0, count: max(good.count, 1) * a.featureWidth)
        var probabilities = [Float](repeating: 0, count: max(good.count, 1) * a.classCount)
        if !good.isEmpty {
            tensors.withUnsafeBufferPointer { input in
                fc7.withUnsafeMutableBufferPointer { features in
                    probabilities.withUnsafeMutableBufferPointer { output in
                        guard let x = input.baseAddress else { return }
                        model.network.forward(images: x, count: good.count, fc7: features.baseAddress, probabilities: output.baseAddress)
                    }
                }
            }
        }
        var slotOf = [Int: Int]()
        for (slot, index) in good.enumerated() { slotOf[index] = slot }
        return paths.indices.map { index in
            switch prepared[index] {
            case .failure(let error): return FileResult(path: paths[index], outcome: .failure(error))
            case .success:
                let slot = slotOf[index] ?? 0
                let output = ImageOutput(
                    fc7: Array(fc7[(slot * a.featureWidth)..<((slot + 1) * a.featureWidth)]),
                    probabilities: Array(probabilities[(slot * a.classCount)..<((slot + 1) * a.classCount)]))
                return FileResult(path: paths[index], outcome: .success(output))
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
