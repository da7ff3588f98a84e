import Foundation
import VGGCommon
import VGGEngine
import VGGImaging
import VGGIndexTypes
import VGGModel

/// Which weights a command asks for.
public struct WeightsRequest: Sendable {
    /// `--weights PATH`.
    public var path: String?
    /// `--preprocess`; nil for what the weights were trained with.
    public var preprocess: Preprocessing?
    /// Never download (`--offline`; `VGGBATCH_OFFLINE=1` counts too).
    public var offline: Bool
    /// The index's model: its weights file is used when none is named and it is still where
    /// it was last found, with the same SHA-256.
    public var remembered: StoredModel?
    /// Whether only the remembered model's own file will do when none is named: what writes
    /// to the index or searches it must not silently compute another model. When false, a
    /// file that moved or changed gets a warning and the default weights are used.
    public var requireRemembered: Bool
    /// When set, `VGGBATCH_WEIGHTS` naming another model's file gives way to the remembered
    /// model's own file (a command about that model, such as `similar --model N`, where the
    /// variable is every command's default; `path`, named on the command line, never does).
    /// Told through `onWarning` when it does, naming what is computed ("q.jpg is computed").
    public var environmentGivesWayFor: String?

    /// The environment variable that names the weights of every command.
    public static let variable = "VGGBATCH_WEIGHTS"

    public init(
        path: String? = nil, preprocess: Preprocessing? = nil, offline: Bool = false, remembered: StoredModel? = nil,
        requireRemembered: Bool = false, environmentGivesWayFor: String? = nil
    ) {
        self.path = path
        self.preprocess = preprocess
        self.offline = offline
        self.remembered = remembered
        self.requireRemembered = requireRemembered
        self.environmentGivesWayFor = environmentGivesWayFor
    }

    /// Whether weights are named for a command, by `--weights` (`path`) or `VGGBATCH_WEIGHTS`:
    /// then the index's remembered model is not what it computes with. The one place the
    /// order of the two and the index's file is decided (with `load`).
    public static func namesWeights(path: String?, environment: [String: String]) -> Bool {
        path != nil || !(environment[variable] ?? "").isEmpty
    }
}

/// What happens during a download of the default weights, for a progress display.
public enum DownloadEvent: Sendable {
    /// The server answered; the text says what is being downloaded, from where, to where.
    case started(String)
    case progress(done: Int64, total: Int64?)
    case finished
}

/// A network ready to run, with what it is and how its inputs must be prepared.
public struct LoadedModel {
    public let network: VGGNetwork
    public let identity: WeightsIdentity
    public let preset: Preprocessing
    /// Which trained convolutions the weights hold (`ConvolutionBase.fingerprint`).
    public let convolutionBase: String

    /// Where the weights file is now, for the index to remember; nil if it cannot be stat'ed.
    public var location: WeightsLocation? {
        var info = stat()
        guard stat(identity.path, &info) == 0 else { return nil }
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return WeightsLocation(path: PathBytes.absolute(identity.path), size: Int64(info.st_size), mtimeNanoseconds: mtime)
    }

    /// The model row these weights make with `resizePolicy`.
    public func registration(resizePolicy: ResizePolicy, color: ColorHandling = .srgb) -> ModelRegistration {
        ModelRegistration(
            weightsSHA256: identity.sha256, name: identity.known?.name, architecture: network.architecture,
            preprocessing: preset, resizePolicy: resizePolicy, featureDimension: network.architecture.featureWidth,
            convolutionBase: convolutionBase, precision: network.options.precision, color: color)
    }

    /// The preparation of images for this network (square input) with `options`' decode
    /// settings and `policy`.
    public func preparation(_ options: ImagePreparation) throws(InferenceError) -> ImagePreparation {
        let a = network.architecture
        guard a.inputHeight == a.inputWidth else { throw .nonSquareInput(height: a.inputHeight, width: a.inputWidth) }
        var preparation = options
        preparation.size = a.inputHeight
        return preparation
    }

    /// Resolves, validates, identifies and packs the weights: `request.path`, else
    /// `VGGBATCH_WEIGHTS`, else the remembered model's file, else the default file in the
    /// cache, downloaded when missing unless offline. `onWarning` hears, as they happen, the
    /// lines a person should see even if loading then fails (remembered weights that moved
    /// or changed, so the default weights are tried instead).
    public static func load(
        _ request: WeightsRequest, engine: EngineOptions, environment: [String: String],
        onWarning: (String) -> Void = { _ in },
        onDownload: @escaping @Sendable (DownloadEvent) -> Void = { _ in }
    ) throws(InferenceError) -> LoadedModel {
        var preprocess = request.preprocess
        var environment = environment
        // One cache of files' SHA-256 for every check below (the variable does not move it).
        let cache = WeightsHashCache(directory: WeightsLocator.cacheDirectory(environment: environment))
        let found = request.remembered.map { rememberedWeights($0, cache: cache) }
        if let computed = request.environmentGivesWayFor, request.path == nil, let remembered = request.remembered, case .success(let own)? = found,
            let variable = environment[WeightsRequest.variable], !variable.isEmpty, (try? cache.sha256(of: variable)) != remembered.weightsSHA256
        {
            onWarning(
                "\(WeightsRequest.variable) (\(variable)) holds other weights than model \(remembered.id); \(computed) with the file "
                    + "model \(remembered.id) was computed with (\(own))")
            environment[WeightsRequest.variable] = nil
        }
        let named = WeightsRequest.namesWeights(path: request.path, environment: environment)
        var path: String
        if !named, let remembered = request.remembered, let found, case .success(let file) = found {
            path = file
            preprocess = preprocess ?? remembered.preprocessing
        } else {
            if !named, let remembered = request.remembered, case .failure(let missing)? = found {
                if request.requireRemembered {
                    throw .modelWeightsUnavailable(modelID: remembered.id, sha256: remembered.weightsSHA256, why: missing.why)
                }
                if let warning = missing.warning { onWarning(warning) }
            }
            do throws(ModelError) {
                path = try WeightsLocator.resolve(explicit: request.path, environment: environment)
            } catch {
                // Nothing asked for by name and nothing installed: get the default file.
                guard case .weightsNotFound = error, !named, !request.offline, !WeightsDownloader.isOffline(environment)
                else { throw .weights(error) }
                path = try fetchDefault(environment: environment, onDownload: onDownload)
            }
        }
        do throws(ModelError) {
            let weights = try OpenedWeights.open(path, environment: environment)
            let identity = try WeightsIdentity.identify(path: path, layout: weights.layout, metadata: weights.metadata, cache: cache)
            // The index's model's own file, however it was named, is read as that model reads it.
            let modelPreset = request.remembered.flatMap { $0.weightsSHA256 == identity.sha256 ? $0.preprocessing : nil }
            let preset = preprocess ?? modelPreset ?? identity.preprocessing
            let convolutionBase = try ConvolutionBase.fingerprint(weights.source)
            let network = try VGGNetwork(source: weights.source, options: engine)
            return LoadedModel(network: network, identity: identity, preset: preset, convolutionBase: convolutionBase)
        } catch {
            throw .weights(error)
        }
    }

    /// Why the index's model's own file cannot be used: for an error (`why`), and for the
    /// warning a command that may fall back prints (none when the index never knew a file).
    struct MissingWeights: Error {
        var why: String
        var warning: String?
    }

    /// The weights file the index's model was computed with, if it is still where it was
    /// last found and its SHA-256 (through the hash cache) is still the model's.
    private static func rememberedWeights(_ model: StoredModel, cache: WeightsHashCache) -> Result<String, MissingWeights> {
        guard let bytes = model.weightsPath else {
            return .failure(MissingWeights(why: "were never seen by this index (its results were imported)", warning: nil))
        }
        let path = String(decoding: bytes, as: UTF8.self)
        let what = "the weights of model \(model.id) (\(PathBytes.display(bytes)))"
        guard PathBytes.kind(bytes) == .file else {
            return .failure(MissingWeights(
                why: "are no longer at \(PathBytes.display(bytes))", warning: "\(what) are no longer there; using the default weights"))
        }
        guard (try? cache.sha256(of: path)) == model.weightsSHA256 else {
            return .failure(MissingWeights(
                why: "have changed at \(PathBytes.display(bytes)) since the index used them",
                warning: "\(what) have changed since the index used them; using the default weights"))
        }
        return .success(path)
    }

    /// Downloads the default weights into the cache (from `VGGBATCH_MIRROR` if set).
    private static func fetchDefault(
        environment: [String: String], onDownload: @escaping @Sendable (DownloadEvent) -> Void
    ) throws(InferenceError) -> String {
        let known = KnownWeights.defaultWeights
        let destination = (WeightsLocator.cacheDirectory(environment: environment) as NSString).appendingPathComponent(known.fileName)
        let url = environment[WeightsDownloader.mirrorVariable].flatMap { $0.isEmpty ? nil : $0 } ?? known.url
        guard let sha256 = known.sha256 else { throw .download(reason: "no SHA-256 is known for \(known.name)") }
        let announcement = "no weights installed; downloading \(known.name) (about 553 MB) from \(url) to \(destination) "
            + "(use --offline or VGGBATCH_OFFLINE=1 to never download)"
        let started = OnceFlag()
        defer { onDownload(.finished) }
        try WeightsDownloader.fetch(url: url, destination: destination, checksum: .sha256(sha256), bytes: known.bytes) { done, total in
            if started.setFirst() { onDownload(.started(announcement)) }
            onDownload(.progress(done: done, total: total))
        }
        return destination
    }
}

/// True the first time `setFirst` is called, false after (from any thread).
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    func setFirst() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if set { return false }
        set = true
        return true
    }
}
