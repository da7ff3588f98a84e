import Foundation
import Testing
import VGGImaging
import VGGStore
import _VGGTestSupport

/// `vggbatch index` and the approximate `similar` end to end: a tiny model over the samples
/// in real SQLite, the approximate index beside it.
@Suite("vggbatch index and approximate similar", .serialized)
struct ApproximateCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var database: String { directory.path("index.sqlite") }
    var indexFile: String { database + ".approximate/model-1-rmac.faiss" }
    /// The approximate index answers from its first entry (the default waits for 50,000).
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": directory.path("tiny.safetensors"), "VGGBATCH_DB": database,
         "VGGBATCH_APPROXIMATE_ABOVE": "0"]
    }

    static let samples = [
        "mpl-grace_hopper.jpg", "skimage-astronaut.png", "skimage-chelsea.png", "skimage-coffee.png",
        "skimage-rocket.jpg", "sklearn-china.jpg", "libpng-toucan.png", "skimage-coins.png",
    ]

    init() throws {
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for name in Self.samples { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: photos + "/" + name) }
        let weights = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", directory.path("tiny.safetensors")])
        precondition(weights.status == 0, weights.standardError)
        let scan = try CommandRunner.vggbatch(["scan", photos], environment: environment)
        precondition(scan.status == 0, scan.standardError)
    }

    func vggbatch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment.merging(extra) { $1 })
    }

    /// Every indexed photo's answer, approximate and exact, as path and score lines (R-MAC,
    /// and fc7: `similar`'s default).
    func answers(exact: Bool) throws -> [String] {
        try answers(exact: exact, feature: "rmac") + answers(exact: exact, feature: "fc7")
    }

    func answers(exact: Bool, feature: String) throws -> [String] {
        let files = try FileManager.default.subpathsOfDirectory(atPath: photos).filter { $0.contains(".") }.sorted()
        var lines = [String]()
        for file in files {
            let result = try vggbatch(["similar", "--feature", feature, "--limit", "4", photos + "/" + file] + (exact ? ["--exact"] : []))
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.contains("approximately") != exact, "\(result.standardError)")
            lines.append(file + ":\n" + result.standardOutput)
        }
        return lines
    }

    @Test func anApproximateIndexAnswersAsTheExactSearchDoesAndSaysSo() throws {
        let build = try vggbatch(["index", "build"])
        #expect(build.status == 0, "\(build.standardError)")
        #expect(build.standardOutput.contains("built the approximate index of fc7 vectors of model 1: 8 vectors"))
        #expect(build.standardOutput.contains("built the approximate index of rmac vectors of model 1: 8 vectors"))
        #expect(build.standardOutput.contains("recall@10 1.000"), "\(build.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: indexFile))
        #expect(FileManager.default.fileExists(atPath: database + ".approximate/model-1-fc7.faiss"))
        #expect(try answers(exact: false) == (try answers(exact: true)))

        let approximate = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"])
        #expect(approximate.standardError.contains("(8 candidates of the approximate index's 8 entries, recall@10 1.000, measured on"), "\(approximate.standardError)")
        // JSON says which search answered, with the recall quoted.
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(try vggbatch(["similar", "--json", "--feature", "rmac", photos + "/skimage-coffee.png"]).standardOutput.utf8)) as? [String: Any])
        #expect(json["search"] as? String == "approximate" && json["recall_at_10"] as? Double == 1)
        let exactJSON = try #require(try JSONSerialization.jsonObject(
            with: Data(try vggbatch(["similar", "--json", "--exact", "--feature", "rmac", photos + "/skimage-coffee.png"]).standardOutput.utf8)) as? [String: Any])
        #expect(exactJSON["search"] as? String == "exact" && exactJSON["recall_at_10"] == nil)
        // What the approximate path does not serve is said, not silently done exactly.
        for (extra, reason) in [(["--under", photos], "--under"), (["--limit", "300"], "--limit over 250"), (["--html", directory.path("p.html")], "--html")] {
            let filtered = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"] + extra)
            #expect(filtered.status == 0 && filtered.standardError.contains("the approximate index is not used with \(reason); comparing every vector"), "\(filtered.standardError)")
            #expect(filtered.standardError.contains("compared rmac vectors of model 1 (8 images)"))
        }
        // A filter that is refused is refused alone, with no note about the index before it.
        for (extra, refusal) in [(["--under", directory.path("nowhere")], "--under \(directory.path("nowhere")): no such folder."), (["--label", "no such label at all"], "unknown label \"no such label at all\"")] {
            let refused = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"] + extra)
            #expect(refused.status != 0 && refused.standardError.contains(refusal), "\(refused.standardError)")
            #expect(!refused.standardError.contains("note:") && refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        }
        let badSetting = try vggbatch(["similar", photos + "/skimage-coffee.png"], environment: ["VGGBATCH_APPROXIMATE_ABOVE": "lots"])
        #expect(badSetting.status != 0 && badSetting.standardError.contains("VGGBATCH_APPROXIMATE_ABOVE=lots: give a number of images (0 or more)"))
        #expect(badSetting.standardError.split(separator: "\n").count == 1, "\(badSetting.standardError)")
        // Below the threshold (the default) the exact search answers, and fc7 always does.
        let small = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"], environment: ["VGGBATCH_APPROXIMATE_ABOVE": "50000"])
        #expect(small.standardError.hasPrefix("compared rmac vectors of model 1 (8 images)"), "\(small.standardError)")
        let fc7 = try vggbatch(["similar", photos + "/skimage-coffee.png"])
        #expect(fc7.standardError.hasPrefix("compared fc7 vectors of model 1 approximately"), "\(fc7.standardError)")

        let status = try vggbatch(["index", "status"])
        #expect(status.status == 0 && status.standardOutput.contains("8 entries") && status.standardOutput.contains("0 waiting"))
        #expect(status.standardOutput.contains("fc7, model 1:") && status.standardOutput.contains("rmac, model 1:"))
        #expect(status.standardOutput.contains("recall@1 1.000, recall@10 1.000"), "\(status.standardOutput)")
        let lines = try vggbatch(["index", "status", "--json"]).standardOutput.split(separator: "\n")
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["kind"] as? String } == ["fc7", "rmac"])
        #expect(objects.allSatisfy { $0["entries"] as? Int == 8 && $0["usable"] as? Bool == true })
        // duplicates through the cells finds what comparing every pair finds, scores included.
        let exactPairs = try vggbatch(["duplicates", "--json", "--pairs", "--threshold", "0.6", "--exact"])
        let cellPairs = try vggbatch(["duplicates", "--json", "--pairs", "--threshold", "0.6"])
        #expect(exactPairs.status == 0 && cellPairs.status == 0)
        let exactJSONPairs = try #require(try JSONSerialization.jsonObject(with: Data(exactPairs.standardOutput.utf8)) as? [String: Any])
        let cellJSONPairs = try #require(try JSONSerialization.jsonObject(with: Data(cellPairs.standardOutput.utf8)) as? [String: Any])
        #expect(exactJSONPairs["search"] as? String == "exact" && cellJSONPairs["search"] as? String == "approximate")
        #expect((cellJSONPairs["cells"] as? [String: Any])?["of"] as? Int == 1, "\(cellPairs.standardOutput)")
        for key in ["pairs", "near", "exact"] {
            #expect(NSArray(array: cellJSONPairs[key] as? [Any] ?? []) == NSArray(array: exactJSONPairs[key] as? [Any] ?? []), "\(key)")
        }
        #expect(cellPairs.standardError.contains("approximate: pairs compared exactly within each photo's"), "\(cellPairs.standardError)")
        #expect(cellPairs.standardOutput.contains("\"score\""), "\(cellPairs.standardOutput)")
        let check = try vggbatch(["index", "check", "--queries", "5"])
        #expect(check.status == 0 && check.standardOutput.contains("rmac: 1 probe: recall@1 1.000, recall@10 1.000 on 5 sampled images"), "\(check.standardOutput)")
        #expect(check.standardOutput.contains("fc7: "), "\(check.standardOutput)")
        // Given photos instead of sampled ones, from a list with CRLF line ends.
        let list = directory.path("list.txt")
        try Data((photos + "/skimage-coffee.png\r\n" + photos + "/skimage-rocket.jpg\r\n").utf8).write(to: URL(fileURLWithPath: list))
        let given = try vggbatch(["index", "check", "--feature", "rmac", "--paths-from", list])
        #expect(given.status == 0 && given.standardOutput.contains("recall@10 1.000 on 2 given images"), "\(given)")
        let both = try vggbatch(["index", "check", "--paths-from", list, "--queries", "5"])
        #expect(both.status != 0 && both.standardError.contains("Give --queries or --paths-from, not both."), "\(both.standardError)")
    }

    @Test func newPhotosAreScoredInFullUntilAScanMergesThemAndAKilledScanNeverLeavesAWrongAnswer() throws {
        #expect(try vggbatch(["index", "build"]).status == 0)
        // New photos: copies and re-encodings of the samples.
        try FileManager.default.createDirectory(atPath: photos + "/new", withIntermediateDirectories: true)
        for (i, name) in Self.samples.enumerated() {
            let image = try ImageDecoder.decode(contentsOf: photos + "/" + name).image
            try Data(try ImageEncoder.jpeg(image, quality: 60 + i)).write(to: URL(fileURLWithPath: photos + "/new/\(i).jpg"))
        }
        var random = SystemRandomNumberGenerator()
        for round in 0..<6 {
            let scan = try CommandRunner.start(["scan", photos], environment: environment)
            usleep(UInt32.random(in: 0...1_500_000, using: &random))
            kill(scan.processIdentifier, SIGKILL)
            scan.waitUntilExit()
            // Whatever the scan managed (rows, a merge, a file half written), answers stay exact.
            #expect(try answers(exact: false) == (try answers(exact: true)), "round \(round)")
            #expect(try vggbatch(["index", "status"]).status == 0)
        }
        let scan = try vggbatch(["scan", photos])
        #expect(scan.status == 0, "\(scan.standardError)")
        let status = try vggbatch(["index", "status", "--json"])
        for line in status.standardOutput.split(separator: "\n") {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(json["entries"] as? Int == 16 && json["waiting_rows"] as? Int == 0, "\(status.standardOutput) \(scan.standardError)")
        }
        #expect(try answers(exact: false) == (try answers(exact: true)))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: database + ".approximate").filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)
    }

    /// An index whose recall was measured below `ApproximateSimilar.minimumRecall` does not
    /// answer (the exact search does, said); measured again and good, it answers again.
    @Test func anIndexMeasuredPoorIsNotUsedUntilMeasuredAgain() throws {
        #expect(try vggbatch(["index", "build", "--feature", "rmac"]).status == 0)
        let writer = try SQLiteIndex.openWriter(path: database, createDirectory: false)
        let data = try #require(writer.approximate)
        var check = try #require(try data.lastCheck(modelID: 1, kind: .rmac))
        check.recallAt10 = 0.5
        try data.recordCheck(check, modelID: 1, kind: .rmac)
        writer.close()
        let query = photos + "/skimage-coffee.png"
        let poor = try vggbatch(["similar", "--feature", "rmac", query])
        #expect(poor.status == 0 && poor.standardError.contains(
            "the approximate index \(indexFile) is not used: its recall@10 was measured at 0.500, below 0.90; comparing every vector"), "\(poor.standardError)")
        #expect(poor.standardError.contains("compared rmac vectors of model 1 (8 images)"), "\(poor.standardError)")
        #expect(poor.standardOutput == (try vggbatch(["similar", "--feature", "rmac", "--exact", query])).standardOutput)
        #expect(try vggbatch(["index", "check", "--feature", "rmac"]).status == 0)
        let measured = try vggbatch(["similar", "--feature", "rmac", query])
        #expect(measured.standardError.contains("approximately (8 candidates") && measured.standardError.contains("recall@10 1.000"), "\(measured.standardError)")
    }

    /// Images without the descriptor are said to be left out, as the exact search says it.
    @Test func imagesWithoutTheDescriptorAreSaidToBeLeftOut() throws {
        #expect(try vggbatch(["index", "build", "--feature", "rmac"]).status == 0)
        let connection = try SQLiteConnection(path: database, readOnly: false, create: false)
        try connection.execute("DELETE FROM descriptor WHERE kind = 'rmac' AND image_id = (SELECT MIN(image_id) FROM descriptor)")
        connection.close()
        let query = photos + "/skimage-coffee.png"
        let approximate = try vggbatch(["similar", "--feature", "rmac", query])
        let line = "vggbatch: warning: 1 indexed image without a rmac descriptor is left out; run `vggbatch scan` again to compute them"
        #expect(approximate.status == 0 && approximate.standardError.contains(line), "\(approximate.standardError)")
        #expect(approximate.standardError.contains("approximately"), "\(approximate.standardError)")
        let exact = try vggbatch(["similar", "--feature", "rmac", "--exact", query])
        #expect(exact.standardError.contains(line), "\(exact.standardError)")
    }

    @Test func badRequestsAndBadFilesGetOneClearLine() throws {
        let pool5 = try vggbatch(["index", "build", "--feature", "pool5"])
        #expect(pool5.status != 0 && pool5.standardError.contains("an approximate index holds fc7, rmac or gem vectors"))
        let none = try vggbatch(["index", "check", "--feature", "rmac"])
        #expect(none.status == 2 && none.standardError.contains("no approximate index of rmac for model 1; `vggbatch index build --feature rmac` makes one"))
        #expect(try vggbatch(["index", "check"]).standardError.contains("no approximate index yet"))
        #expect(try vggbatch(["index", "status"]).standardError.contains("no approximate index yet"))
        let missing = try vggbatch(["index", "build", "--db", directory.path("nowhere.sqlite")])
        #expect(missing.status != 0 && missing.standardError.hasPrefix("vggbatch: error: ") && !missing.standardError.contains("\n    "))

        // An index restored from a backup taken before the build (its rows then written
        // again) never trusts the newer file: the index does not know it.
        try FileManager.default.copyItem(atPath: database, toPath: directory.path("backup.sqlite"))
        #expect(try vggbatch(["index", "build"]).status == 0)
        try FileManager.default.removeItem(atPath: database)
        try FileManager.default.copyItem(atPath: directory.path("backup.sqlite"), toPath: database)
        let restored = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"])
        #expect(restored.status == 0 && restored.standardError.contains("the index does not know this file"), "\(restored.standardError)")
        #expect(restored.standardError.contains("compared rmac vectors of model 1 (8 images)"))

        // A damaged file: similar says so once and answers exactly.
        #expect(try vggbatch(["index", "build"]).status == 0)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: indexFile))
        let damaged = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"])
        #expect(damaged.status == 0 && damaged.standardError.contains("not a usable approximate index"), "\(damaged.standardError)")
        #expect(damaged.standardError.contains("compared rmac vectors of model 1 (8 images)"))

        // Another index's file in its place is never used.
        let other = directory.path("other.sqlite")
        #expect(try vggbatch(["scan", "--db", other, photos]).status == 0)
        #expect(try vggbatch(["index", "build", "--db", other]).status == 0)
        try FileManager.default.removeItem(atPath: indexFile)
        try FileManager.default.copyItem(atPath: other + ".approximate/model-1-rmac.faiss", toPath: indexFile)
        let foreign = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"])
        #expect(foreign.status == 0 && foreign.standardError.contains("it was made from another index"), "\(foreign.standardError)")
        #expect(try vggbatch(["index", "status"]).standardOutput.contains("NOT USED: it was made from another index"))
        // A damaged one among them: said, the others still listed.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: database + ".approximate/model-1-fc7.faiss"))
        let listed = try vggbatch(["index", "status"])
        #expect(listed.status == 0 && listed.standardOutput.contains("fc7, model 1: NOT USED:") && listed.standardOutput.contains("rmac, model 1:"))
        let rebuilt = try vggbatch(["index", "build"])
        let after = try vggbatch(["index", "status"])
        #expect(rebuilt.status == 0 && !after.standardOutput.contains("NOT USED"))
    }

    @Test func aFileChangedInPlaceIsNeverSearchedAndATinyIndexBuildsCleanly() throws {
        #expect(try vggbatch(["index", "build"]).status == 0)
        // One bit in the middle of the file: caught by its checksum, whatever it hit.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: indexFile))
        bytes[bytes.count / 2] ^= 0x04
        try bytes.write(to: URL(fileURLWithPath: indexFile))
        let similar = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"])
        #expect(similar.status == 0 && similar.standardError.contains("its checksum does not match"), "\(similar.standardError)")
        #expect(similar.standardError.contains("compared rmac vectors of model 1 (8 images)"))
        let status = try vggbatch(["index", "status"])
        #expect(status.status == 0 && status.standardOutput.contains("rmac, model 1: NOT USED:"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("fc7, model 1: \(database).approximate/model-1-fc7.faiss"))
        let check = try vggbatch(["index", "check", "--feature", "rmac"])
        #expect(check.status != 0 && check.standardError.contains("its checksum does not match"), "\(check.standardError)")

        // Another index's file is said even where the index is too small to use one.
        let other = directory.path("other.sqlite")
        #expect(try vggbatch(["scan", "--db", other, photos]).status == 0)
        #expect(try vggbatch(["index", "build", "--db", other, "--feature", "rmac", "--feature", "gem"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: other + ".approximate/model-1-gem.faiss"))
        #expect(FileManager.default.fileExists(atPath: other + ".approximate/model-1-rmac.faiss"))
        try FileManager.default.removeItem(atPath: indexFile)
        try FileManager.default.copyItem(atPath: other + ".approximate/model-1-rmac.faiss", toPath: indexFile)
        let foreign = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"], environment: ["VGGBATCH_APPROXIMATE_ABOVE": "50000"])
        #expect(foreign.standardError.contains("it was made from another index"), "\(foreign.standardError)")
        // A FIFO in its place is refused, not waited on.
        try FileManager.default.removeItem(atPath: indexFile)
        #expect(mkfifo(indexFile, 0o644) == 0)
        let fifo = try vggbatch(["similar", "--feature", "rmac", photos + "/skimage-coffee.png"])
        #expect(fifo.status == 0 && fifo.standardError.contains("not a regular file"), "\(fifo.standardError)")
        try FileManager.default.removeItem(atPath: indexFile)
        // A list of paths with a NUL in a line is refused, not cut short.
        let list = directory.path("nul.txt")
        try Data((photos + "/skimage-coffee.png\0/elsewhere.png\n").utf8).write(to: URL(fileURLWithPath: list))
        let nul = try vggbatch(["index", "check", "--feature", "fc7", "--paths-from", list])
        #expect(nul.status != 0 && nul.standardError.contains("line 1 holds a NUL byte"), "\(nul.standardError)")

        // An index of one photo: built without FAISS's warnings; no recall to measure.
        let one = directory.path("one")
        try FileManager.default.createDirectory(atPath: one, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coffee.png"), toPath: one + "/coffee.png")
        let oneDatabase = directory.path("one.sqlite")
        #expect(try vggbatch(["scan", "--db", oneDatabase, one]).status == 0)
        let tiny = try vggbatch(["index", "build", "--db", oneDatabase], environment: ["VGGBATCH_APPROXIMATE_ABOVE": "50000"])
        #expect(tiny.status == 0 && !tiny.standardError.contains("WARNING"), "\(tiny.standardError)")
        #expect(tiny.standardOutput.contains("1 vector in 1 list, ") && tiny.standardOutput.contains("recall not measured"), "\(tiny.standardOutput)")
        #expect(tiny.standardOutput.contains("similar and duplicates use it from 50000 images"))
        let tinyStatus = try vggbatch(["index", "status", "--db", oneDatabase])
        #expect(tinyStatus.status == 0 && tinyStatus.standardOutput.contains("recall not measured: an index of one photo has no neighbour to find"), "\(tinyStatus.standardOutput)")
        let tinyCheck = try vggbatch(["index", "check", "--db", oneDatabase, "--feature", "rmac"])
        #expect(tinyCheck.status == 0 && tinyCheck.standardOutput == "rmac: recall not measured: no queried image has another image to find\n", "\(tinyCheck)")
    }
}
