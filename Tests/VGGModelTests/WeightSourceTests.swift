import Foundation
import Testing
import VGGModel
import _VGGTestSupport

@Suite("Weight files")
struct WeightSourceTests {
    /// Writes the tiny architecture's random weights with torchvision names, letting `edit`
    /// change the tensor list first.
    static func writeTiny(
        to path: String, metadata: [String: String] = [VGGArchitecture.metadataKey: VGGArchitecture.tiny.metadataValue],
        edit: (inout [(name: String, shape: [Int], values: [Float])]) -> Void = { _ in }
    ) throws {
        let source = RandomWeights(architecture: .tiny, seed: 3)
        var tensors = [(name: String, shape: [Int], values: [Float])]()
        for (i, layer) in VGGArchitecture.tiny.convolutions.enumerated() {
            let w = try source.convolution(i)
            tensors.append(("features.\(layer.featuresIndex).weight", [layer.outputChannels, layer.inputChannels, 3, 3], w.weight))
            tensors.append(("features.\(layer.featuresIndex).bias", [layer.outputChannels], w.bias))
        }
        for (i, layer) in VGGArchitecture.tiny.fullyConnected.enumerated() {
            let w = try source.fullyConnected(i)
            tensors.append(("classifier.\(i * 3).weight", [layer.outputs, layer.inputs], w.weight))
            tensors.append(("classifier.\(i * 3).bias", [layer.outputs], w.bias))
        }
        edit(&tensors)
        try SafetensorsWriter.write(tensors, metadata: metadata, to: path)
    }

    @Test func architectureComesFromMetadataAndValuesRoundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("tiny.safetensors")
        try Self.writeTiny(to: path)
        let weights = try SafetensorsWeights(path: path)
        #expect(weights.architecture == .tiny)
        #expect(weights.layout == .torchvision)
        #expect(weights.layout.preprocessing == .torch)
        #expect(try weights.convolution(4) == RandomWeights(architecture: .tiny, seed: 3).convolution(4))
        #expect(try weights.fullyConnected(2) == RandomWeights(architecture: .tiny, seed: 3).fullyConnected(2))
    }

    @Test func withoutMetadataTheFileMustBeVGG16() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("tiny.safetensors")
        try Self.writeTiny(to: path, metadata: [:])
        #expect(throws: ModelError.shapeMismatch(path: path, tensor: "features.0.weight", expected: [64, 3, 3, 3], actual: [4, 3, 3, 3])) {
            _ = try SafetensorsWeights(path: path)
        }
    }

    @Test func wrongShapeNamesTheTensor() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("bad.safetensors")
        try Self.writeTiny(to: path) { tensors in
            if let i = tensors.firstIndex(where: { $0.name == "features.10.weight" }) {
                tensors[i] = ("features.10.weight", [8, 8, 1, 9], tensors[i].values)
            }
        }
        let expected = ModelError.shapeMismatch(path: path, tensor: "features.10.weight", expected: [8, 8, 3, 3], actual: [8, 8, 1, 9])
        #expect(throws: expected) { _ = try SafetensorsWeights(path: path) }
        #expect(expected.reason == "\(path): tensor features.10.weight has shape [8, 8, 1, 9], expected [8, 8, 3, 3]")
    }

    @Test func missingTensorIsNamed() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("bad.safetensors")
        try Self.writeTiny(to: path) { tensors in tensors.removeAll { $0.name == "classifier.3.bias" } }
        #expect(throws: ModelError.missingTensor(path: path, tensor: "classifier.3.bias")) { _ = try SafetensorsWeights(path: path) }
    }

    @Test func nonFiniteValuesAreReportedNotPropagated() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("nan.safetensors")
        try Self.writeTiny(to: path) { tensors in
            if let i = tensors.firstIndex(where: { $0.name == "features.2.weight" }) {
                tensors[i].values[0] = .nan
                tensors[i].values[5] = .infinity
            }
        }
        let weights = try SafetensorsWeights(path: path)
        #expect(throws: ModelError.nonFinite(path: path, tensor: "features.2.weight", count: 2)) { _ = try weights.convolution(1) }
    }

    @Test func unknownLayoutsAreExplained() throws {
        let directory = TemporaryDirectory()
        let keras = directory.path("keras.safetensors")
        try SafetensorsWriter.write([("block1_conv1_W_1:0", [3, 3, 3, 64], [Float](repeating: 0, count: 1728))], to: keras)
        do {
            _ = try SafetensorsWeights(path: keras)
            Issue.record("Keras names must be refused")
        } catch {
            guard case .unknownLayout(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.contains("HDF5"))
        }
        let other = directory.path("other.safetensors")
        try SafetensorsWriter.write([("encoder.weight", [2], [1, 2])], to: other)
        do {
            _ = try SafetensorsWeights(path: other)
            Issue.record("unknown names must be refused")
        } catch {
            guard case .unknownLayout(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.contains("encoder.weight"))
        }
    }

    @Test func badArchitectureMetadataIsRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("bad.safetensors")
        try Self.writeTiny(to: path, metadata: [VGGArchitecture.metadataKey: "D:nonsense"])
        #expect(throws: ModelError.invalidFile(path: path, reason: "unreadable vggbatch.architecture metadata \"D:nonsense\"")) {
            _ = try SafetensorsWeights(path: path)
        }
    }
}

@Suite("Finding weights")
struct WeightsLocatorTests {
    @Test func cacheDirectoryFollowsXDG() {
        #expect(WeightsLocator.cacheDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]) == "/x/cache/vggbatch")
        #expect(WeightsLocator.cacheDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.cache/vggbatch")
        // A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
        #expect(WeightsLocator.cacheDirectory(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/home/u"]) == "/home/u/.cache/vggbatch")
    }

    @Test func explicitThenEnvironmentThenCache() throws {
        let directory = TemporaryDirectory()
        let file = directory.path("w.safetensors")
        _ = FileManager.default.createFile(atPath: file, contents: Data([1]))
        #expect(try WeightsLocator.resolve(explicit: file, environment: [:]) == file)
        #expect(try WeightsLocator.resolve(explicit: nil, environment: ["VGGBATCH_WEIGHTS": file]) == file)
        let cache = directory.path("xdg/vggbatch")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let cached = (cache as NSString).appendingPathComponent("vgg16.tv_in1k.safetensors")
        _ = FileManager.default.createFile(atPath: cached, contents: Data([1]))
        #expect(try WeightsLocator.resolve(explicit: nil, environment: ["XDG_CACHE_HOME": directory.path("xdg")]) == cached)
    }

    @Test func missingWeightsSayWhereToPutThem() {
        let directory = TemporaryDirectory()
        do {
            _ = try WeightsLocator.resolve(explicit: nil, environment: ["XDG_CACHE_HOME": directory.url.path])
            Issue.record("expected weightsNotFound")
        } catch {
            let expected = directory.url.path + "/vggbatch/vgg16.tv_in1k.safetensors"
            guard case .weightsNotFound(let searched, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(searched == [expected])
            #expect(error.reason.contains("save it as \(expected)"))
            #expect(error.reason.contains("--weights PATH"))
        }
        #expect(throws: ModelError.unreadable(path: "/nonexistent/w.safetensors", reason: "no such file")) {
            _ = try WeightsLocator.resolve(explicit: "/nonexistent/w.safetensors", environment: [:])
        }
    }

    @Test func knownWeightsTable() {
        let timm = KnownWeights.defaultWeights
        #expect(timm.name == "vgg16.tv_in1k")
        #expect(KnownWeights.matching(sha256: timm.sha256 ?? "") == timm)
        #expect(KnownWeights.matching(sha256: String(repeating: "0", count: 64)) == nil)
        #expect(KnownWeights.named("keras-vgg16")?.preprocessing == .caffe)
        #expect(KnownWeights.all.allSatisfy { $0.sha256 != nil || $0.md5 != nil })
    }
}
