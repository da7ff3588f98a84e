import VGGCommon
import ArgumentParser
import Foundation
import VGGEngine
import VGGImaging
import VGGModel
import VGGIndexTypes
import VGGInference

extension Preprocessing: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Options that choose the weights and how inputs are prepared for them.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "VGG16 weights (safetensors, or Keras HDF5). Default: $VGGBATCH_WEIGHTS, else vgg16.tv_in1k.safetensors in ~/.cache/vggbatch ($XDG_CACHE_HOME/vggbatch).",
        valueName: "path"))
    var weights: String?

    @Option(help: "Preprocessing: 'torch' (RGB/255, ImageNet mean/std) or 'caffe' (BGR 0-255 minus mean). Default: what the weights were trained with.")
    var preprocess: Preprocessing?

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

    @Option(help: ArgumentHelp(
        "Arithmetic of the convolutions: auto (bf16 where the CPU has AVX512_BF16, else f32), f32 or bf16. Default: $VGGBATCH_PRECISION, else auto.",
        valueName: "precision"))
    var precision: String?

    /// The precision asked for (`--precision`, else `VGGBATCH_PRECISION`), nil for auto.
    func requestedPrecision() throws -> EngineOptions.Precision? {
        let name = precision ?? ProcessInfo.processInfo.environment[EngineOptions.precisionVariable] ?? "auto"
        if name.isEmpty || name == "auto" { return nil }
        guard let chosen = EngineOptions.Precision(rawValue: name) else {
            throw ValidationError("--precision \(name): expected auto, f32 or bf16.")
        }
        return chosen
    }

    func validate() throws {
        if !(1...256).contains(batchSize) { throw ValidationError("--batch-size must be 1...256, got \(batchSize).") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads).") }
        _ = try requestedPrecision()
    }

    /// Engine options for batches of up to `maxBatchSize` (default: --batch-size), with the
    /// kernels `isa` names (default: $VGGBATCH_ISA, else the fastest this CPU runs), in the
    /// precision asked for, else `model`'s (the index's model keeps its precision), else the
    /// fastest this CPU runs faithfully.
    func options(maxBatchSize: Int? = nil, isa: String? = nil, model: StoredModel? = nil) throws -> EngineOptions {
        var environment = ProcessInfo.processInfo.environment
        if let isa { environment[KernelSet.environmentVariable] = isa }
        let kernels: KernelSet
        do throws(EngineError) {
            kernels = try KernelSet.fromEnvironment(environment)
        } catch {
            throw CommandFailure(error.description)
        }
        let chosen = EngineOptions.precision(requested: try requestedPrecision(), model: model?.precision, kernels: kernels)
        return EngineOptions(
            threads: threadCount, maxBatchSize: maxBatchSize ?? batchSize, convolutionAlgorithm: algorithm, kernels: kernels,
            precision: chosen)
    }
}

extension EngineOptions.ConvolutionAlgorithm: ExpressibleByArgument {}

extension ModelOptions {
    /// Loads the weights these options ask for (or the index's model's, `remembered`), with
    /// a progress line for a download and the loader's warnings on standard error.
    func load(engine: EngineOptions, remembered: StoredModel? = nil) throws -> LoadedModel {
        try ModelOptions.load(WeightsRequest(path: weights, preprocess: preprocess, offline: offline, remembered: remembered), engine: engine)
    }

    /// `modelWeightsHint` follows the reason when the index's model's own weights cannot be
    /// found (what else the command can be told to do).
    static func load(_ request: WeightsRequest, engine: EngineOptions, modelWeightsHint: String = "") throws -> LoadedModel {
        let line = ProgressLine(name: KnownWeights.defaultWeights.name)
        do throws(InferenceError) {
            return try LoadedModel.load(
                request, engine: engine, environment: ProcessInfo.processInfo.environment,
                onWarning: { printError("vggbatch: warning: " + $0) }, onDownload: { line.show($0) })
        } catch {
            if case .modelWeightsUnavailable = error { throw CommandFailure(error.reason + modelWeightsHint) }
            throw CommandFailure(error.reason)
        }
    }
}
