import Foundation
import Testing
import VGGImaging
import VGGQuery
@testable import VGGStore
import _VGGTestSupport

/// `vggbatch similar` and `duplicates` end to end on the samples, a tiny model and real SQLite.
@Suite("vggbatch similar and duplicates", .serialized)
struct SearchCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": directory.path("tiny.safetensors"),
         "VGGBATCH_DB": directory.path("index.sqlite")]
    }

    static let samples = [
        "mpl-grace_hopper.jpg", "skimage-astronaut.png", "skimage-chelsea.png", "skimage-coffee.png",
        "skimage-rocket.jpg", "sklearn-china.jpg", "libpng-toucan.png", "skimage-coins.png",
    ]

    init() throws {
        try FileManager.default.createDirectory(atPath: photos + "/edited", withIntermediateDirectories: true)
        for name in Self.samples { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: photos + "/" + name) }
        // An exact copy, and a recompressed copy (JPEG quality 70) of another photo.
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coffee.png"), toPath: photos + "/edited/coffee-copy.png")
        let chelsea = try ImageDecoder.decode(contentsOf: FixturePaths.sample("skimage-chelsea.png")).image
        try Data(try ImageEncoder.jpeg(chelsea, quality: 70)).write(to: URL(fileURLWithPath: photos + "/edited/chelsea-q70.jpg"))
        let weights = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", directory.path("tiny.safetensors")])
        precondition(weights.status == 0, weights.standardError)
        let scan = try CommandRunner.vggbatch(["scan", photos], environment: environment)
        precondition(scan.status == 0, scan.standardError)
    }

    func vggbatch(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment)
    }

    func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any], "\(result.standardError)")
    }

    @Test func recompressedCopyFindsItsOriginalFirst() throws {
        let result = try vggbatch(["similar", "--json", photos + "/edited/chelsea-q70.jpg"])
        #expect(result.status == 0, "\(result.standardError)")
        let results = try #require(try json(result)["results"] as? [[String: Any]])
        #expect(results.count == 9)  // everything but the query itself
        #expect((results.first?["path"] as? String)?.hasSuffix("/photos/skimage-chelsea.png") == true)
        let scores = results.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >))
        #expect(!results.contains { ($0["path"] as? String)?.hasSuffix("chelsea-q70.jpg") == true })
    }

    @Test func queryNotInTheIndexIsComputed() throws {
        let outside = directory.path("outside.jpg")
        let chelsea = try ImageDecoder.decode(contentsOf: FixturePaths.sample("skimage-chelsea.png")).image
        try Data(try ImageEncoder.jpeg(chelsea, quality: 80)).write(to: URL(fileURLWithPath: outside))
        let result = try vggbatch(["similar", "--paths", "--limit", "2", outside])
        #expect(result.status == 0, "\(result.standardError)")
        // The two indexed versions of the same photo come first (the original and its q70 copy).
        let names = result.standardOutput.split(separator: "\n").map { ($0 as NSString).lastPathComponent }.sorted()
        #expect(names == ["chelsea-q70.jpg", "skimage-chelsea.png"])
    }

    @Test func filtersAndSelf() throws {
        let query = photos + "/skimage-coffee.png"
        let withSelf = try json(try vggbatch(["similar", "--json", "--include-self", "--limit", "1", query]))
        #expect(((withSelf["results"] as? [[String: Any]])?.first?["score"] as? Double ?? 0) > 0.9999)
        let under = try json(try vggbatch(["similar", "--json", "--under", photos + "/edited", query]))
        let paths = (under["results"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
        #expect(paths.count == 2 && paths.allSatisfy { $0.contains("/edited/") })
        let floor = try json(try vggbatch(["similar", "--json", "--min-score", "0.9999", query]))
        #expect((floor["results"] as? [[String: Any]])?.allSatisfy { ($0["score"] as? Double ?? 0) >= 0.9999 } == true)
        let unknown = try vggbatch(["similar", "--label", "no-such-label", query])
        #expect(unknown.status == 2 && unknown.standardError.contains("unknown label"))
    }

    @Test func duplicatesFindsPlantedCopies() throws {
        let result = try vggbatch(["duplicates", "--json", "--feature", "fc7", "--threshold", "0.999"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try json(result)
        let exact = try #require(object["exact"] as? [[String: Any]])
        #expect(exact.count == 1)
        let name = { (object: Any) in ((object as? [String: Any])?["path"] as? String).map { ($0 as NSString).lastPathComponent } ?? "?" }
        let exactFiles = (exact.first?["files"] as? [Any])?.map(name).sorted()
        #expect(exactFiles == ["coffee-copy.png", "skimage-coffee.png"])
        let near = try #require(object["near"] as? [[String: Any]])
        let nearFiles = near.map { group in ([group["representative"] as Any] + (group["members"] as? [Any] ?? [])).map(name).sorted() }
        #expect(nearFiles == [["chelsea-q70.jpg", "skimage-chelsea.png"]], "planted copies and nothing else")
        #expect(object["pairs"] == nil)
        let withPairs = try json(try vggbatch(["duplicates", "--json", "--pairs", "--feature", "fc7", "--threshold", "0.999"]))
        #expect((withPairs["pairs"] as? [Any])?.count == 2, "the planted copy and the byte-identical one")
        let exactOnly = try json(try vggbatch(["duplicates", "--json", "--feature", "fc7", "--exact-only"]))
        #expect((exactOnly["near"] as? [Any])?.isEmpty == true)
    }

    /// An index whose compact search data is partly gone (made before codes were kept, or a
    /// scan stopped while rebuilding projections) answers exactly as before, from the float
    /// vectors, and the next scan writes the missing rows back.
    @Test func searchDataMissingRowsAreMadeFromTheFloatVectors() throws {
        let query = photos + "/skimage-chelsea.png"
        let similarBefore = try vggbatch(["similar", "--json", "--feature", "fc7", query]).standardOutput
        let duplicatesBefore = try vggbatch(["duplicates", "--json", "--feature", "fc7", "--threshold", "0.99"]).standardOutput
        do {
            let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
            try database.connection.run("DELETE FROM feature_code WHERE image_id % 2 = 0", [])
            try database.connection.run("DELETE FROM feature_projection WHERE image_id % 3 = 0", [])
            try database.connection.run("UPDATE feature_code SET code = X'00' WHERE image_id = 1", [])
        }
        let similar = try vggbatch(["similar", "--json", "--verbose", "--feature", "fc7", query])
        #expect(similar.standardOutput == similarBefore)
        #expect(similar.standardError.contains("(6 made from float vectors)"), "\(similar.standardError)")
        #expect(try vggbatch(["duplicates", "--json", "--feature", "fc7", "--threshold", "0.99"]).standardOutput == duplicatesBefore)

        let rescan = try vggbatch(["scan", photos])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        let again = try vggbatch(["similar", "--json", "--verbose", "--feature", "fc7", query])
        #expect(again.standardOutput == similarBefore)
        #expect(again.standardError.contains("(1 made from float vectors)"), "\(again.standardError)")
    }

    /// For every kind of vector, `similar` ranks and scores exactly as brute force over the
    /// exported vectors.
    @Test(arguments: ["fc7", "gem", "rmac"])
    func similarIsExactForEveryFeature(_ feature: String) throws {
        let exported = try vggbatch(["export", "--format", "jsonl", "--features"])
        #expect(exported.status == 0, "\(exported.standardError)")
        var vectors = [String: [Double]]()
        for line in exported.standardOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            vectors[try #require(object["path"] as? String)] = try #require(object[feature] as? [Double], "no \(feature) in \(line.prefix(80))")
        }
        #expect(vectors.count == 10)
        let query = try #require(vectors.keys.first { $0.hasSuffix("/skimage-coffee.png") })
        func cosine(_ a: [Double], _ b: [Double]) -> Double {
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            return dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        let expected = vectors.filter { $0.key != query }.map { (path: $0.key, score: cosine(vectors[query]!, $0.value)) }
            .sorted { $0.score > $1.score }
        let result = try vggbatch(["similar", "--json", "--feature", feature, "--limit", "100", query])
        #expect(result.status == 0, "\(result.standardError)")
        let found = try #require(try json(result)["results"] as? [[String: Any]])
        #expect(found.compactMap { $0["path"] as? String } == expected.map(\.path))
        for (answer, truth) in zip(found, expected) {
            #expect(abs((answer["score"] as? Double ?? 9) - truth.score) < 1e-5, "\(truth.path)")
        }
    }

    /// Without --threshold, each feature's own threshold is used, and said with its origin:
    /// calibrated only for the convolutions it was calibrated on, never for random weights.
    @Test func duplicatesSaysWhichThresholdAndWhereItComesFrom() throws {
        let gem = try vggbatch(["duplicates", "--feature", "gem"])
        #expect(gem.status == 0, "\(gem.standardError)")
        #expect(gem.standardError.contains("near-duplicate threshold: gem cosine ≥ 0.770 (NOT calibrated for these weights"), "\(gem.standardError)")
        #expect(gem.standardOutput.contains("near duplicates (gem cosine ≥ 0.770 to"))
        // The calibrated convolutions (recorded as if the trained base had been scanned), and a
        // model recorded before the index kept them.
        let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
        try database.connection.run("UPDATE model SET convolution_base = ?", [.text(SearchDefaults.calibratedConvolutionBase)])
        let calibrated = try vggbatch(["duplicates", "--feature", "rmac"])
        #expect(calibrated.standardError.contains("rmac cosine ≥ 0.690 (calibrated on these convolutions, the trained ImageNet VGG16 base"))
        try database.connection.run("UPDATE model SET convolution_base = NULL", [])
        let unknown = try vggbatch(["duplicates", "--feature", "rmac"])
        #expect(unknown.standardError.contains("whether model 1 has those convolutions is not recorded yet"), "\(unknown.standardError)")
        #expect(try vggbatch(["scan", photos]).status == 0)
        #expect(try vggbatch(["duplicates", "--feature", "rmac"]).standardError.contains("NOT calibrated for these weights"))
        let fc7 = try json(try vggbatch(["duplicates", "--json", "--feature", "fc7"]))
        #expect(fc7["feature"] as? String == "fc7" && fc7["threshold"] as? Double == 0.92)
        #expect((fc7["threshold_source"] as? String)?.contains("not yet calibrated") == true)
        let rmac = try json(try vggbatch(["duplicates", "--json"]))
        #expect(rmac["feature"] as? String == "rmac" && abs((rmac["threshold"] as? Double ?? 0) - 0.69) < 1e-6)
        let given = try json(try vggbatch(["duplicates", "--json", "--threshold", "0.5", "--feature", "gem"]))
        #expect(given["threshold"] as? Double == 0.5 && given["threshold_source"] as? String == "--threshold")
        let wrong = try vggbatch(["duplicates", "--feature", "pool5"])
        #expect(wrong.status == 64 && wrong.standardError.contains("stores fc7, not pool5"), "\(wrong.standardError)")
        let typo = try vggbatch(["similar", "--feature", "fc8", photos + "/skimage-coffee.png"])
        #expect(typo.status != 0 && typo.standardError.contains("expected fc7, pool5, gem or rmac"))
    }

    /// An index made before the descriptors: fc7 is still searched (with a note), asking for
    /// a descriptor says to rescan, and the rescan computes them and keeps fc7 as it was.
    @Test func aRescanFillsDescriptorsAnOlderIndexLacks() throws {
        let before = try vggbatch(["export", "--format", "jsonl", "--features"]).standardOutput
        let query = photos + "/skimage-chelsea.png"
        let fc7Before = try vggbatch(["similar", "--json", "--feature", "fc7", query]).standardOutput
        do {
            let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
            try database.connection.run("DELETE FROM descriptor", [])
        }
        let status = try vggbatch(["status"])
        #expect(status.standardOutput.contains("10 images without GeM/R-MAC descriptors yet"), "\(status.standardOutput)")
        let fallback = try vggbatch(["similar", "--json", "--feature", "fc7", query])
        #expect(fallback.status == 0 && fallback.standardOutput == fc7Before)
        let duplicates = try vggbatch(["duplicates", "--json"])
        #expect(duplicates.standardError.contains("10 indexed images have no rmac descriptor yet; comparing fc7"), "\(duplicates.standardError)")
        let asked = try vggbatch(["similar", "--feature", "gem", query])
        #expect(asked.status != 0 && asked.standardError.contains("run `vggbatch scan` again to compute them"), "\(asked.standardError)")

        let rescan = try vggbatch(["scan", "--json", photos])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        #expect(rescan.standardOutput.contains("\"computed\": 10"), "\(rescan.standardOutput)")
        #expect(try vggbatch(["export", "--format", "jsonl", "--features"]).standardOutput == before)
        #expect(try vggbatch(["status", "--json"]).standardOutput.contains("\"images_without_descriptors\": 0"))
    }

    /// Partly rescanned: the default compares fc7, which every image has; an explicit
    /// descriptor searches the images that have it and says how many are left out.
    @Test func descriptorsOnPartOfTheIndexAreNeverSearchedSilently() throws {
        do {
            let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
            try database.connection.run("DELETE FROM descriptor WHERE image_id % 3 = 0", [])
        }
        let query = photos + "/skimage-chelsea.png"
        let fallback = try vggbatch(["duplicates", "--json"])
        #expect(fallback.status == 0 && fallback.standardError.contains("3 indexed images have no rmac descriptor yet; comparing fc7"),
                "\(fallback.standardError)")
        #expect(try json(fallback)["feature"] as? String == "fc7")
        let explicit = try vggbatch(["similar", "--json", "--feature", "rmac", "--limit", "100", query])
        #expect(explicit.status == 0 && explicit.standardError.contains("3 indexed images without a rmac descriptor are left out"),
                "\(explicit.standardError)")
        #expect((try json(explicit)["results"] as? [Any])?.count ?? 0 <= 7)
    }

    /// A scan killed before it wrote the search data (no basis, no projections, no codes):
    /// `duplicates` and `similar` answer from the float vectors, exactly as after a full scan.
    @Test func searchesWorkBeforeTheSearchDataExists() throws {
        let query = photos + "/skimage-chelsea.png"
        let duplicatesBefore = try vggbatch(["duplicates", "--json", "--feature", "fc7", "--threshold", "0.99"]).standardOutput
        let similarBefore = try vggbatch(["similar", "--json", "--feature", "fc7", query]).standardOutput
        do {
            let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: false)
            for table in ["feature_basis", "feature_projection", "feature_code"] { try database.connection.run("DELETE FROM \(table)", []) }
        }
        let duplicates = try vggbatch(["duplicates", "--json", "--feature", "fc7", "--threshold", "0.99"])
        #expect(duplicates.status == 0 && duplicates.standardOutput == duplicatesBefore, "\(duplicates.standardError)")
        let similar = try vggbatch(["similar", "--json", "--feature", "fc7", query])
        #expect(similar.status == 0 && similar.standardOutput == similarBefore, "\(similar.standardError)")
    }

    /// `similar` answers "photos like this one" with fc7 unless told otherwise, and says which
    /// vectors it compared; `duplicates` keeps R-MAC.
    @Test func similarComparesFC7AndSaysSo() throws {
        let query = photos + "/skimage-chelsea.png"
        let plain = try vggbatch(["similar", "--json", query])
        #expect(plain.status == 0 && plain.standardError.hasPrefix("compared fc7 vectors of model 1 ("), "\(plain.standardError)")
        let object = try json(plain)
        #expect(object["feature"] as? String == "fc7" && object["model"] as? Int == 1)
        #expect(plain.standardOutput == (try vggbatch(["similar", "--json", "--feature", "fc7", query]).standardOutput))
        let rmac = try vggbatch(["similar", "--json", "--feature", "rmac", query])
        #expect(try json(rmac)["feature"] as? String == "rmac" && rmac.standardError.hasPrefix("compared rmac vectors"))
        #expect(try json(try vggbatch(["duplicates", "--json"]))["feature"] as? String == "rmac")
    }

    @Test func emptyIndexIsAClearError() throws {
        let empty = try CommandRunner.vggbatch(["similar", photos + "/skimage-coffee.png"], environment: environment.merging(["VGGBATCH_DB": directory.path("none.sqlite")]) { $1 })
        #expect(empty.status == 2)
        #expect(empty.standardError.contains("no index here yet"))
    }
}

/// Answers that are empty, and how counts and scores read.
extension SearchCLITests {
    @Test func emptyAnswersSayWhy() throws {
        let query = photos + "/skimage-coffee.png"
        let nowhere = try vggbatch(["similar", "--under", directory.path("no-such-folder"), query])
        #expect(nowhere.status == 64)
        #expect(nowhere.standardError == "vggbatch: --under \(directory.path("no-such-folder")): no such folder. (see 'vggbatch help')\n")
        // A real folder with nothing indexed under it: a valid question whose answer is empty.
        let elsewhere = directory.path("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let empty = try vggbatch(["similar", "--json", "--under", elsewhere, query])
        #expect(empty.status == 0 && empty.standardError == "compared fc7 vectors of model 1 (10 images)\nno results: nothing is indexed under \(elsewhere)\n", "\(empty.standardError)")
        #expect((try json(empty)["results"] as? [Any])?.isEmpty == true)
        // (A photo with no copy in the index: an exact copy may score 1 to the last bit.)
        let high = try vggbatch(["similar", "--paths", "--min-score", "1", photos + "/skimage-astronaut.png"])
        #expect(high.status == 0 && high.standardOutput.isEmpty && high.standardError.hasSuffix("\nno results: no photo scores 1.0000 or more\n"))
        let report = try vggbatch(["report", "--output", directory.path("report"), "--label", "goldfish"])
        #expect(report.status == 1 && report.standardError == "no photo of model 1 has \"goldfish\" as its top label; no page written\n", "\(report.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("report/index.html")))
    }

    @Test func countsAndScoresReadOneWay() throws {
        let text = try vggbatch(["duplicates", "--feature", "fc7", "--threshold", "0.999"])
        #expect(text.standardOutput.contains("exact duplicates (same content): 1 group\n"), "\(text.standardOutput)")
        #expect(text.standardOutput.contains("near duplicates (fc7 cosine ≥ 0.999 to the group's first photo): 1 group\n"))
        #expect(text.standardOutput.contains("  group 1 (2 files)\n"))
        let csv = try vggbatch(["duplicates", "--csv", "--feature", "fc7", "--threshold", "0.999"]).standardOutput.split(separator: "\n").dropFirst()
        #expect(csv.count == 4)
        // One number format for every score: the exact copies' 1 is "1.0" like the rest.
        let scores = csv.compactMap { $0.split(separator: ",").last.map(String.init) }
        #expect(scores.count == 4 && scores.allSatisfy { Float($0) != nil && $0.contains(".") }, "\(scores)")
        #expect(csv.filter { $0.hasPrefix("exact,") }.allSatisfy { $0.hasSuffix(",1.0") })
        // --pairs in CSV: each pair as two "pair" rows sharing a number and its score; a
        // threshold with more than three decimals is shown as given.
        let pairs = try vggbatch(["duplicates", "--csv", "--pairs", "--feature", "fc7", "--threshold", "0.9995"])
        let pairRows = pairs.standardOutput.split(separator: "\n").filter { $0.hasPrefix("pair,") }
        #expect(pairs.status == 0 && pairRows.map { $0.split(separator: ",")[1] } == ["1", "1", "2", "2"], "\(pairs.standardOutput)")
        #expect(pairRows.count == 4 && pairRows[2].split(separator: ",").last == pairRows[3].split(separator: ",").last)
        let shown = try vggbatch(["duplicates", "--pairs", "--feature", "fc7", "--threshold", "0.9995"])
        #expect(shown.standardOutput.contains("near duplicates (fc7 cosine ≥ 0.9995 to the group's first photo)"), "\(shown.standardOutput)")
        #expect(shown.standardOutput.contains("pairs (fc7 cosine ≥ 0.9995): 2\n"), "\(shown.standardOutput)")
    }
}
