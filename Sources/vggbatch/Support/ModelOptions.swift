import ArgumentParser
import Foundation
import VGGEngine
import VGGImaging
import VGGModel

extension PreprocessPreset: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Options that choose the weights and how inputs are prepared for them.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "VGG16 weights (safetensors). Default: $VGGBATCH_WEIGHTS, else vgg16.tv_in1k.safetensors in ~/.cache/vggbatch ($XDG_CACHE_HOME/vggbatch).",
        valueName: "path"))
    var weights: String?

    @Option(help: "Preprocessing: 'torch' (RGB/255, ImageNet mean/std) or 'caffe' (BGR 0-255 minus mean). Default: what the weights were trained with.")
    var preprocess: PreprocessPreset?
}

/// Options that size the engine.
struct EngineArguments: ParsableArguments {
    @Option(help: "Images per forward pass.")
    var batchSize = 8

    @Option(help: "Engine threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if !(1...256).contains(batchSize) { throw ValidationError("--batch-size must be 1...256, got \(batchSize).") }
        if !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads).") }
    }
}

/// A network ready to run, with what it is and how its inputs must be prepared.
struct LoadedModel {
    let network: VGGNetwork
    let identity: WeightsIdentity
    let preset: PreprocessPreset

    /// Resolves, validates, identifies and packs the weights. Model problems become one-line
    /// `CommandFailure`s.
    static func load(_ options: ModelOptions, engine: EngineOptions) throws -> LoadedModel {
        try load(weights: options.weights, preprocess: options.preprocess, engine: engine)
    }

    static func load(weights explicit: String?, preprocess: PreprocessPreset?, engine: EngineOptions) throws -> LoadedModel {
        let environment = ProcessInfo.processInfo.environment
        do throws(ModelError) {
            let path = try WeightsLocator.resolve(explicit: explicit, environment: environment)
            let weights = try SafetensorsWeights(path: path)
            let cache = WeightsHashCache(directory: WeightsLocator.cacheDirectory(environment: environment))
            let identity = try WeightsIdentity.identify(weights, cache: cache)
            let preset = preprocess ?? PreprocessPreset(rawValue: identity.preprocessing.rawValue) ?? .torch
            let network = try VGGNetwork(source: weights, options: engine)
            return LoadedModel(network: network, identity: identity, preset: preset)
        } catch {
            throw CommandFailure(error.reason)
        }
    }
}
