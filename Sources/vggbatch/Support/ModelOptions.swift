import ArgumentParser
import Foundation
import VGGEngine
import VGGImaging
import VGGModel
import VGGStore
import VGGCommon

extension PreprocessPreset: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Options that choose the weights and how inputs are prepared for them.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "VGG16 weights (safetensors, or Keras HDF5). Default: $VGGBATCH_WEIGHTS, else vgg16.tv_in1k.safetensors in ~/.cache/vggbatch ($XDG_CACHE_HOME/vggbatch).",
        valueName: "path"))
    var weights: String?

    @Option(help: "Preprocessing: 'torch' (RGB/255, ImageNet mean/std) or 'caffe' (BGR 0-255 minus mean). Default: what the weights were trained with.")
    var preprocess: PreprocessPreset?

    @Flag(help: "Never download weights (also VGGBATCH_OFFLINE=1); without installed weights, fail and say what to get.")
    var offline = false
}

/// Options that size the engine.
struct EngineArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Images per forward pass.")
    var batchSize = 8

    @Option(parsing: .unconditional, help: "Engine threads (default: all cores).")
    var threads: Int?

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: ArgumentHelp(
        "How 3x3 convolutions run: auto (per layer, the fastest), winograd, gemm or direct (the slow reference).",
        valueName: "algorithm"))
    var algorithm = EngineOptions.ConvolutionAlgorithm.auto

    func validate() throws {
        if !(1...256).contains(batchSize) { throw ValidationError("--batch-size must be 1...256, got \(batchSize).") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads).") }
    }

    /// Engine options for batches of up to `maxBatchSize` (default: --batch-size), with the
    /// kernels `isa` names (default: $VGGBATCH_ISA, else the fastest this CPU runs).
    func options(maxBatchSize: Int? = nil, isa: String? = nil) throws -> EngineOptions {
        var environment = ProcessInfo.processInfo.environment
        if let isa { environment[KernelSet.environmentVariable] = isa }
        let kernels: KernelSet
        do throws(EngineError) {
            kernels = try KernelSet.fromEnvironment(environment)
        } catch {
            throw CommandFailure(error.description)
        }
        return EngineOptions(threads: threadCount, maxBatchSize: maxBatchSize ?? batchSize, convolutionAlgorithm: algorithm, kernels: kernels)
    }
}

extension EngineOptions.ConvolutionAlgorithm: ExpressibleByArgument {}

/// A network ready to run, with what it is and how its inputs must be prepared.
struct LoadedModel {
    let network: VGGNetwork
    let identity: WeightsIdentity
    let preset: PreprocessPreset

    /// Where the weights file is now (absolute path bytes, size, modification time), for
    /// the index to remember; nil if it cannot be stat'ed.
    var location: (path: [UInt8], size: Int64, mtimeNanoseconds: Int64)? {
        var info = stat()
        guard stat(identity.path, &info) == 0 else { return nil }
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return (PathBytes.absolute(identity.path), Int64(info.st_size), mtime)
    }

    /// Resolves, validates, identifies and packs the weights. Model problems become one-line
    /// `CommandFailure`s. `remembered` is the index's model: its weights file is used when
    /// none is named (--weights, VGGBATCH_WEIGHTS) and it is still there and the same.
    static func load(_ options: ModelOptions, engine: EngineOptions, remembered: StoredModel? = nil) throws -> LoadedModel {
        try load(weights: options.weights, preprocess: options.preprocess, engine: engine, offline: options.offline, remembered: remembered)
    }

    static func load(
        weights explicit: String?, preprocess: PreprocessPreset?, engine: EngineOptions, offline: Bool = false, remembered: StoredModel? = nil
    ) throws -> LoadedModel {
        let environment = ProcessInfo.processInfo.environment
        var path: String
        var preprocess = preprocess
        if explicit == nil, (environment["VGGBATCH_WEIGHTS"] ?? "").isEmpty, let remembered, let found = rememberedWeights(remembered, environment) {
            path = found
            preprocess = preprocess ?? PreprocessPreset(rawValue: remembered.preprocessing)
        } else {
            do throws(ModelError) {
                path = try WeightsLocator.resolve(explicit: explicit, environment: environment)
            } catch {
                // Nothing asked for by name and nothing installed: get the default file.
                guard case .weightsNotFound = error, explicit == nil, (environment["VGGBATCH_WEIGHTS"] ?? "").isEmpty,
                    !offline, !WeightsFetcher.isOffline(environment)
                else { throw CommandFailure(error.reason) }
                path = try fetchDefault(environment: environment)
            }
        }
        do throws(ModelError) {
            let weights = try OpenedWeights.open(path)
            let cache = WeightsHashCache(directory: WeightsLocator.cacheDirectory(environment: environment))
            let identity = try WeightsIdentity.identify(path: path, layout: weights.layout, cache: cache)
            let preset = preprocess ?? PreprocessPreset(rawValue: identity.preprocessing.rawValue) ?? .torch
            let network = try VGGNetwork(source: weights.source, options: engine)
            return LoadedModel(network: network, identity: identity, preset: preset)
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// The weights file the index's model was computed with, if it is still where it was
    /// last found and its SHA-256 (through the hash cache) is still the model's; otherwise
    /// nil, after one line saying why the default weights are used instead.
    private static func rememberedWeights(_ model: StoredModel, _ environment: [String: String]) -> String? {
        guard let bytes = model.weightsPath else { return nil }
        let path = String(decoding: bytes, as: UTF8.self)
        let what = "the weights of model \(model.id) (\(PathBytes.display(bytes)))"
        guard PathBytes.kind(bytes) == .file else {
            printError("vggbatch: warning: \(what) are no longer there; using the default weights")
            return nil
        }
        let cache = WeightsHashCache(directory: WeightsLocator.cacheDirectory(environment: environment))
        guard (try? cache.sha256(of: path)) == model.weightsSHA256 else {
            printError("vggbatch: warning: \(what) have changed since the index used them; using the default weights")
            return nil
        }
        return path
    }

    /// Downloads the default weights into the cache (from `VGGBATCH_MIRROR` if set).
    private static func fetchDefault(environment: [String: String]) throws -> String {
        let known = KnownWeights.defaultWeights
        let destination = (WeightsLocator.cacheDirectory(environment: environment) as NSString).appendingPathComponent(known.fileName)
        let url = environment[WeightsFetcher.mirrorVariable].flatMap { $0.isEmpty ? nil : $0 } ?? known.url
        guard let sha256 = known.sha256 else { throw CommandFailure("no SHA-256 is known for \(known.name)") }
        try WeightsFetcher.fetch(
            url: url, destination: destination, checksum: .sha256(sha256), bytes: known.bytes, name: known.name,
            announce: "vggbatch: no weights installed; downloading \(known.name) (about 553 MB) from \(url) to \(destination) (use --offline or VGGBATCH_OFFLINE=1 to never download)")
        return destination
    }
}
