import Foundation
import Testing
import _VGGTestSupport

/// The index remembers the weights each model was computed with: a rescan, `similar` with a
/// photo outside the index and `classify` use them without being told. When the file is gone
/// or changed, what writes or searches the index stops with one line; `classify` falls back
/// to the default weights (here: none installed, and offline) with a warning.
@Suite("vggbatch remembers its weights", .serialized)
struct RememberedWeightsCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var weights: String { directory.path("models/mine.safetensors") }
    /// No VGGBATCH_WEIGHTS, an empty cache and no network: only remembered weights can work.
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_DB": directory.path("index.sqlite"), "VGGBATCH_OFFLINE": "1",
         "VGGBATCH_WEIGHTS": ""]
    }

    init() throws {
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path("models"), withIntermediateDirectories: true)
        for name in ["pillow-hopper.jpg", "skimage-coins.png", "sklearn-china.jpg"] {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: photos + "/" + name)
        }
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", weights])
        precondition(result.status == 0, result.standardError)
    }

    func vggbatch(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment)
    }

    func summary(_ result: CommandResult) throws -> [String: Any] {
        let last = try #require(result.standardOutput.split(separator: "\n").last)
        return try #require(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    @Test func rescanSimilarAndClassifyUseTheIndexWeights() throws {
        let first = try vggbatch(["scan", "--weights", weights, photos])
        #expect(first.status == 0, "\(first.standardError)")

        let rescan = try vggbatch(["scan", "--json", photos])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        #expect(rescan.standardError.contains("weights: \(weights)"))
        let counts = try summary(rescan)
        #expect(counts["unchanged"] as? Int == 3 && counts["computed"] as? Int == 0 && counts["model"] as? Int == 1)

        // A query outside the index is computed with the same weights.
        let outside = directory.path("query.png")
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-chelsea.png"), toPath: outside)
        let similar = try vggbatch(["similar", "--paths", outside])
        #expect(similar.status == 0, "\(similar.standardError)")
        #expect(similar.standardOutput.split(separator: "\n").count == 3)

        let classify = try vggbatch(["classify", outside])
        #expect(classify.status == 0, "\(classify.standardError)")
        #expect(classify.standardOutput.hasPrefix("weights: \(weights)"))
        let explicit = try vggbatch(["classify", "--weights", weights, outside])
        #expect(classify.standardOutput == explicit.standardOutput)

        let status = try vggbatch(["status"])
        #expect(status.standardOutput.contains("  weights: \(weights)\n"), "\(status.standardOutput)")
    }

    @Test func aMissingQueryIsAnErrorBeforeAnyWeights() throws {
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        // With the weights gone, any attempt to load them would fail on them first.
        try FileManager.default.moveItem(atPath: weights, toPath: weights + ".away")
        let typo = try vggbatch(["similar", directory.path("no-such-photo.jpg")])
        #expect(typo.status == 64)
        #expect(typo.standardError == "vggbatch: \(directory.path("no-such-photo.jpg")): no such file (and not in the index). (see 'vggbatch help')\n", "\(typo.standardError)")
    }

    @Test func movedOrChangedWeightsStopWhatWritesTheIndex() throws {
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        let sha256 = String(try #require(try vggbatch(["status", "--json"]).standardOutput.split(separator: "\"").first { $0.count == 64 }))
        // Other weights at the same path: not the model's any more.
        let other = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "6", "--output", weights])
        #expect(other.status == 0)
        let changed = try vggbatch(["scan", photos])
        #expect(changed.status == 2)
        #expect(changed.standardError == "vggbatch: error: the weights of model 1 (sha256 \(sha256)) have changed at \(weights) since the index used them; "
            + "pass --weights with the file that has this SHA-256; or scan with --add-model to compute another model's results beside it\n",
            "\(changed.standardError)")
        // classify writes nothing: it warns and tries the default weights (none installed here).
        let classify = try vggbatch(["classify", photos + "/pillow-hopper.jpg"])
        #expect(classify.status == 2 && classify.standardError.contains("have changed since the index used them; using the default weights"))
        #expect(classify.standardError.contains("vggbatch weights fetch"), "\(classify.standardError)")

        try FileManager.default.removeItem(atPath: weights)
        let gone = try vggbatch(["scan", photos])
        #expect(gone.status == 2 && gone.standardError.contains("are no longer at \(weights); pass --weights"), "\(gone.standardError)")
        let outside = directory.path("query.png")
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-chelsea.png"), toPath: outside)
        let similar = try vggbatch(["similar", outside])
        #expect(similar.status == 2 && similar.standardError.contains("are no longer at \(weights); pass --weights"), "\(similar.standardError)")
    }

    /// Other weights, or an index that never knew its weights file (imported), never add a
    /// second model without --add-model.
    @Test func aSecondModelNeedsToBeAskedFor() throws {
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        let second = directory.path("models/second.safetensors")
        #expect(try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "9", "--output", second]).status == 0)
        let refused = try vggbatch(["scan", "--weights", second, photos])
        #expect(refused.status == 2 && refused.standardError.contains("are not a model of this index (model 1: sha256 "), "\(refused.standardError)")
        #expect(refused.standardError.contains("--add-model") && refused.standardError.split(separator: "\n").count == 1)
        let resized = try vggbatch(["scan", "--weights", weights, "--resize", "center-crop", photos])
        #expect(resized.status == 2 && resized.standardError.contains("center-crop) are not a model of this index"), "\(resized.standardError)")

        // An index made by import knows no weights file: a rescan must be told which.
        let lines = try CommandRunner.vggbatch(
            ["classify", "--features", "--weights", weights, "--files-from", "-"], environment: environment,
            input: Data((try vggbatch(["list", photos]).standardOutput).utf8))
        let file = directory.path("lines.jsonl")
        try lines.standardOutputBytes.write(to: URL(fileURLWithPath: file))
        let imported = directory.path("imported.sqlite")
        #expect(try CommandRunner.vggbatch(["import", file, "--db", imported], environment: environment).status == 0)
        let rescan = try CommandRunner.vggbatch(["scan", "--db", imported], environment: environment)
        #expect(rescan.status == 2 && rescan.standardError.contains("were never seen by this index (its results were imported)"), "\(rescan.standardError)")
        let told = try CommandRunner.vggbatch(["scan", "--db", imported, "--weights", weights, "--json"], environment: environment)
        #expect(told.status == 0, "\(told.standardError)")
        #expect(try summary(told)["model"] as? Int == 1)
    }

    @Test func modelChoosesWhichWeights() throws {
        let second = directory.path("models/second.safetensors")
        #expect(try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "9", "--output", second]).status == 0)
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        #expect(try vggbatch(["scan", "--weights", second, "--add-model", photos]).status == 0)
        let image = photos + "/pillow-hopper.jpg"
        // Both models have three images; the default is the one scanned last.
        #expect(try vggbatch(["classify", image]).standardOutput.hasPrefix("weights: \(second)"))
        #expect(try vggbatch(["classify", "--model", "1", image]).standardOutput.hasPrefix("weights: \(weights)"))
        let unknown = try vggbatch(["classify", "--model", "7", image])
        #expect(unknown.status == 2 && unknown.standardError.contains("no model 7 in the index"))

        // similar --model with a photo outside the index: VGGBATCH_WEIGHTS naming the other
        // model's file gives way to this model's, said; --weights naming it is refused.
        let outside = directory.path("coffee.png")
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coffee.png"), toPath: outside)
        let own = try vggbatch(["similar", "--model", "1", outside])
        let viaEnvironment = try CommandRunner.vggbatch(
            ["similar", "--model", "1", outside], environment: environment.merging(["VGGBATCH_WEIGHTS": second]) { $1 })
        #expect(viaEnvironment.status == 0 && viaEnvironment.standardOutput == own.standardOutput, "\(viaEnvironment.standardError)")
        #expect(viaEnvironment.standardError.contains(
            "VGGBATCH_WEIGHTS (\(second)) holds other weights than model 1; \(outside) is computed with the file model 1 was computed with (\(weights))"),
            "\(viaEnvironment.standardError)")
        let named = try vggbatch(["similar", "--model", "1", "--weights", second, outside])
        #expect(named.status != 0 && named.standardError.contains("are not the index's model"), "\(named.standardError)")
    }
}
