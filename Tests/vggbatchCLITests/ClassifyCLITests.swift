import Foundation
import Testing
import _VGGTestSupport

/// `vggbatch classify`, `bench` and `weights random` on a tiny model written by the binary.
@Suite("vggbatch classify")
struct ClassifyCLITests {
    let directory = TemporaryDirectory()
    var weights: String { directory.path("tiny.safetensors") }
    var environment: [String: String] { ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": ""] }

    init() throws {
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", weights])
        precondition(result.status == 0, "could not write tiny weights: \(result.standardError)")
    }

    func classify(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.vggbatch(["classify", "--weights", weights] + arguments, environment: environment)
    }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func jsonLinesFollowTheContract() throws {
        let good = FixturePaths.sample("skimage-chelsea.png")
        let bad = FixturePaths.imaging("generated/truncated-baseline.jpg")
        let result = try classify(["--json", "--features", good, bad])
        #expect(result.status == 1)
        let lines = try jsonLines(result.standardOutput)
        try #require(lines.count == 2)
        #expect(lines[0]["path"] as? String == good)
        let top = try #require(lines[0]["top"] as? [[String: Any]])
        #expect(top.count == 5)
        for entry in top {
            #expect(entry["index"] is Int && entry["wnid"] is String && entry["label"] is String && entry["probability"] is Double)
        }
        let probabilities = top.compactMap { $0["probability"] as? Double }
        #expect(probabilities == probabilities.sorted(by: >))
        #expect((lines[0]["fc7"] as? [Double])?.count == 32)
        #expect(lines[1]["path"] as? String == bad)
        #expect((lines[1]["error"] as? String)?.hasPrefix("truncated:") == true)
        #expect(result.standardError.contains("preprocessing: torch"))
    }

    @Test func resultsFollowTheirFileNotTheirBatchSlot() throws {
        let a = FixturePaths.sample("skimage-coffee.png")
        let b = FixturePaths.imaging("generated/text-named.jpg")
        let c = FixturePaths.sample("sklearn-china.jpg")
        let together = try jsonLines(try classify(["--json", "--features", "--batch-size", "2", a, b, c]).standardOutput)
        let aloneA = try jsonLines(try classify(["--json", "--features", a]).standardOutput)
        let aloneC = try jsonLines(try classify(["--json", "--features", c]).standardOutput)
        try #require(together.count == 3)
        #expect(together[0]["path"] as? String == a && together[2]["path"] as? String == c)
        #expect(together[0]["fc7"] as? [Double] == aloneA[0]["fc7"] as? [Double])
        #expect(together[2]["fc7"] as? [Double] == aloneC[0]["fc7"] as? [Double])
        #expect(together[0]["fc7"] as? [Double] != together[2]["fc7"] as? [Double])
        #expect(together[1]["error"] != nil)
    }

    @Test func textOutputAndPresetOverride() throws {
        let image = FixturePaths.sample("pillow-hopper.jpg")
        let torch = try classify(["--top", "3", image])
        #expect(torch.status == 0)
        let lines = torch.standardOutput.split(separator: "\n")
        #expect(lines.count == 5)  // header, path, 3 labels
        #expect(lines[0].contains("preprocessing: torch"))
        #expect(lines[1] == image)
        let caffe = try classify(["--top", "3", "--preprocess", "caffe", image])
        #expect(caffe.standardOutput.contains("preprocessing: caffe"))
        #expect(caffe.standardOutput.split(separator: "\n").dropFirst() != lines.dropFirst())
    }

    @Test func missingWeightsGiveOneLineWithTheLocation() throws {
        // Offline, so nothing is downloaded (the weights tests cover downloading).
        let result = try CommandRunner.vggbatch(
            ["classify", FixturePaths.sample("pillow-hopper.jpg")], environment: environment.merging(["VGGBATCH_OFFLINE": "1"]) { $1 })
        #expect(result.status == 2)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("no VGG16 weights found"))
        #expect(result.standardError.contains(directory.path("cache") + "/vggbatch/vgg16.tv_in1k.safetensors"))
    }

    @Test func badWeightsFileGivesOneLine() throws {
        let bogus = directory.path("bogus.safetensors")
        try Data("not weights at all".utf8).write(to: URL(fileURLWithPath: bogus))
        let result = try CommandRunner.vggbatch(
            ["classify", "--weights", bogus, FixturePaths.sample("pillow-hopper.jpg")], environment: environment)
        #expect(result.status == 2)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.hasPrefix("vggbatch: error: \(bogus): not a valid weight file"))
    }

    @Test(arguments: [["--top", "0"], ["--features"], ["--batch-size", "0"], ["--threads", "0"]])
    func badOptionsExit64(_ options: [String]) throws {
        let result = try classify(options + [FixturePaths.sample("pillow-hopper.jpg")])
        #expect(result.status == 64)
    }

    @Test func benchReportsTheContractFields() throws {
        let result = try CommandRunner.vggbatch(
            ["bench", "--weights", weights, "--batch-size", "2", "--threads", "2", "--iterations", "2", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        for key in ["images_per_second", "ms_per_image", "gflops", "batch_size", "threads", "peak_rss_bytes"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["batch_size"] as? Int == 2)
    }

    @Test func randomWeightsAreReproducible() throws {
        let again = directory.path("again.safetensors")
        _ = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", again])
        #expect(FileManager.default.contents(atPath: again) == FileManager.default.contents(atPath: weights))
    }

    /// The instruction set is chosen at run time: `VGGBATCH_ISA` forces one, every choice
    /// gives the same labels, and a name this CPU cannot run is one line, not a crash.
    @Test func instructionSetsAreChosenAtRunTimeAndSaySo() throws {
        let image = FixturePaths.sample("skimage-chelsea.png")
        var answers = [String: String]()
        for isa in ["portable", "avx2", "avx512", "avx512-on-avx2"] {
            let result = try CommandRunner.vggbatch(
                ["classify", "--weights", weights, "--verbose", image], environment: environment.merging(["VGGBATCH_ISA": isa]) { $1 })
            if result.status == 0 {
                #expect(result.standardError.contains("kernels: \(isa) ("), "\(result.standardError)")
                answers[isa] = result.standardOutput.split(separator: "\n").dropFirst().prefix(3).map { $0.split(separator: " ").last.map(String.init) ?? "" }.joined(separator: ",")
            } else {
                // Only a set this CPU lacks may be refused, in one line.
                #expect(isa != "portable" && result.status == 2 && result.standardError.hasPrefix("vggbatch: error: this CPU"), "\(result.standardError)")
                #expect(result.standardError.split(separator: "\n").count == 1)
            }
        }
        #expect(answers["portable"] != nil && Set(answers.values).count == 1, "the top-3 labels agree on every set: \(answers)")
        let bogus = try CommandRunner.vggbatch(["classify", "--weights", weights, image], environment: environment.merging(["VGGBATCH_ISA": "sse9"]) { $1 })
        #expect(bogus.status == 2 && bogus.standardError.contains("unknown instruction set \"sse9\""), "\(bogus.standardError)")
    }
}
