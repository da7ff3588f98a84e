import Foundation
import Testing
import VGGEngine
import VGGImaging
import VGGIndexTypes
import VGGInference
import VGGModel
import _VGGTestSupport

/// Weights to a running network, through the library's own API: loading, the one model
/// check, files classified by path, Keras weights through the helper process.
@Suite("Inference")
struct InferenceTests {
    let directory = TemporaryDirectory()
    var environment: [String: String] { ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_OFFLINE": "1"] }

    func load(seed: UInt64 = 1, precision: EngineOptions.Precision = .f32, preprocess: Preprocessing? = nil) throws -> LoadedModel {
        let path = try TinyWeights.write(to: directory.path("tiny-\(seed).safetensors"), seed: seed)
        return try LoadedModel.load(
            WeightsRequest(path: path, preprocess: preprocess), engine: EngineOptions(threads: 1, maxBatchSize: 4, precision: precision),
            environment: environment)
    }

    func stored(_ model: LoadedModel, id: Int64 = 1, resize: ResizePolicy = .squash) -> StoredModel {
        StoredModel(id: id, registration: model.registration(resizePolicy: resize), weights: nil, imageCount: 0)
    }

    @Test func loadedWeightsRegisterAsWhatTheyAre() throws {
        let model = try load()
        let registration = model.registration(resizePolicy: .centerCrop)
        #expect(registration.architecture == .tiny && registration.preprocessing == .torch && registration.resizePolicy == .centerCrop)
        #expect(registration.featureDimension == VGGArchitecture.tiny.featureWidth && registration.precision == .f32)
        #expect(registration.weightsSHA256.count == 64 && registration.convolutionBase == model.convolutionBase)
    }

    /// One check for the scan, the worker and `similar`: another file, preprocessing or resize
    /// policy is another model; the same model in another precision is said to be so.
    @Test func theModelCheckTellsAnotherModelFromAnotherPrecision() throws {
        let model = try load()
        let same = stored(model)
        #expect(model.mismatch(with: same) == nil && model.mismatch(with: same, resizePolicy: .squash) == nil)
        #expect(model.mismatch(with: same, resizePolicy: .centerCrop) == .otherModel)
        #expect(try load(seed: 2).mismatch(with: same) == .otherModel)
        #expect(try load(preprocess: .caffe).mismatch(with: same) == .otherModel)
        #expect(try load(precision: .bf16).mismatch(with: same) == .precision(stored: .f32, loaded: .bf16))
    }

    /// VGGBATCH_WEIGHTS naming another model's file gives way to the model's own file when
    /// asked (said once), and never to a path named on the command line; by default it names
    /// the weights, and the index's file is not used.
    @Test func theEnvironmentsWeightsGiveWayToTheModelsOwnFileOnlyWhenAsked() throws {
        let own = try TinyWeights.write(to: directory.path("tiny-1.safetensors"), seed: 1)
        let other = try TinyWeights.write(to: directory.path("tiny-2.safetensors"), seed: 2)
        let first = try load(seed: 1)
        let stat = try #require(FileStat.of(Array(own.utf8)))
        let model = StoredModel(
            id: 1, registration: first.registration(resizePolicy: .squash),
            weights: WeightsLocation(path: Array(own.utf8), size: stat.size, mtimeNanoseconds: stat.mtimeNanoseconds), imageCount: 0)
        var withVariable = environment
        withVariable["VGGBATCH_WEIGHTS"] = other
        let engine = EngineOptions(threads: 1, maxBatchSize: 1)
        #expect(WeightsRequest.namesWeights(path: nil, environment: withVariable) && !WeightsRequest.namesWeights(path: nil, environment: environment))

        var warnings = [String]()
        let giving = try LoadedModel.load(
            WeightsRequest(remembered: model, requireRemembered: true, environmentGivesWayFor: "q.jpg is computed"), engine: engine,
            environment: withVariable, onWarning: { warnings.append($0) })
        #expect(giving.mismatch(with: model) == nil)
        #expect(warnings == ["VGGBATCH_WEIGHTS (\(other)) holds other weights than model 1; q.jpg is computed with the file model 1 was computed with (\(own))"])

        let named = try LoadedModel.load(
            WeightsRequest(path: other, remembered: model, requireRemembered: true, environmentGivesWayFor: "q.jpg is computed"),
            engine: engine, environment: environment)
        #expect(named.mismatch(with: model) == .otherModel)
        let byDefault = try LoadedModel.load(WeightsRequest(remembered: model, requireRemembered: true), engine: engine, environment: withVariable)
        #expect(byDefault.mismatch(with: model) == .otherModel)
    }

    /// Results are keyed by file: a file that fails among good ones shifts nothing.
    @Test func aBatchOfFilesAnswersEachByItsPath() throws {
        let model = try load()
        let preparation = try model.preparation(ImagePreparation())
        let broken = directory.path("broken.jpg")
        _ = FileManager.default.createFile(atPath: broken, contents: Data("not a photo".utf8))
        let paths = [FixturePaths.sample("pillow-hopper.jpg"), broken, FixturePaths.sample("skimage-camera.png")]
        let results = FileBatchClassifier(model: model, preparation: preparation, top: 3).classify(paths)
        #expect(results.map(\.path) == paths)
        guard case .success(let first) = results[0].outcome, case .failure = results[1].outcome,
            case .success(let third) = results[2].outcome
        else {
            Issue.record("expected success, failure, success: \(results.map(\.outcome))")
            return
        }
        #expect(first.result.top.count == 3 && first.result.features.count == VGGArchitecture.tiny.featureWidth)
        // Alone, each file gives the same answer as in the batch.
        let alone = FileBatchClassifier(model: model, preparation: preparation, top: 3).classify([paths[2]])
        guard case .success(let single) = alone[0].outcome else { return }
        #expect(single.result.features == third.result.features)
    }

    @Test func kerasWeightsAreReadByTheHelperOrRefusedInOneLine() throws {
        let keras = FixturePaths.repositoryRoot.appendingPathComponent("Tests/VGGKerasTests/Fixtures/tiny-keras.h5").path
        var missing = environment
        missing["VGGBATCH_KERAS_CONVERTER"] = directory.path("no-such-helper")
        #expect(throws: ModelError.self) { try KerasConversion.converted(path: keras, environment: missing) }
        var given = environment
        given["VGGBATCH_KERAS_CONVERTER"] = FixturePaths.productsDirectory.appendingPathComponent("vggbatch-keras-convert").path
        let converted = try KerasConversion.converted(path: keras, environment: given)
        #expect(converted.architecture.hasClassifier && KerasConversionRecord.datasets(recordedIn: converted.file) != nil)
        // Once converted, the copy is used without the helper.
        #expect(try KerasConversion.converted(path: keras, environment: missing).file.path == converted.file.path)
    }
}
