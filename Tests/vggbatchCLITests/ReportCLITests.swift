import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

/// `vggbatch report`, `similar --html` and `duplicates --html` on the samples with a tiny
/// model: pages that parse, whose every image and link exists, and that escape names.
@Suite("vggbatch report", .serialized)
struct ReportCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": directory.path("tiny.safetensors"),
         "VGGBATCH_DB": directory.path("index.sqlite")]
    }
    static let hostileName = "<img src=x onerror=alert(1)> & \"it's\".png"

    init() throws {
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for name in ["exiforient-Landscape_6.jpg", "skimage-chelsea.png", "skimage-coffee.png", "pillow-hopper.jpg", "libpng-toucan.png"] {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: photos + "/" + name)
        }
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coffee.png"), toPath: photos + "/" + Self.hostileName)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: photos + "/broken <b>.jpg"))
        let weights = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", directory.path("tiny.safetensors")])
        precondition(weights.status == 0, weights.standardError)
        _ = try CommandRunner.vggbatch(["scan", photos], environment: environment)
    }

    func vggbatch(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment)
    }

    /// The file an image source on the page at `page` names (a file:// URL or a relative one).
    static func file(_ src: String, page: String) -> String {
        if src.hasPrefix("file://") { return String(src.dropFirst("file://".count)).removingPercentEncoding ?? src }
        return (page as NSString).deletingLastPathComponent + "/" + (src.removingPercentEncoding ?? src)
    }

    /// Parses the page and checks that each image it shows decodes and each link opens a file.
    func checkPage(_ path: String) throws -> HTMLCheck.Page {
        let html = try String(contentsOfFile: path, encoding: .utf8)
        let page = try HTMLCheck.parse(html).get()
        for src in page.images {
            let file = Self.file(src, page: path)
            let thumbnail = try ImageDecoder.decode(contentsOf: file).image
            #expect(max(thumbnail.width, thumbnail.height) <= 256 && thumbnail.width > 0, "\(src)")
        }
        for link in page.links where link.hasPrefix("file://") {
            let target = String(link.dropFirst("file://".count)).removingPercentEncoding ?? ""
            #expect(FileManager.default.fileExists(atPath: target), "\(link)")
        }
        #expect(!html.contains("<img src=x") && !page.elements.contains("script"))
        return page
    }

    @Test func reportShowsEveryPhotoAndFailureAndCachesThumbnails() throws {
        let output = directory.path("report")
        let first = try vggbatch(["report", "--output", output])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("6 photos") && first.standardOutput.contains("5 thumbnails made"))
        let page = try checkPage(output + "/index.html")
        #expect(page.images.count == 6)
        #expect(page.text.contains(Self.hostileName), "the hostile name shows as text")
        #expect(page.text.contains("broken <b>.jpg") && page.text.contains("not a JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW file"))
        #expect(page.text.contains("Images indexed") && page.text.contains("Last scan"))

        let second = try vggbatch(["report", "--output", output])
        #expect(second.standardOutput.contains("0 thumbnails made, 5 reused"))

        // A group cap and a label filter.
        let capped = try vggbatch(["report", "--output", output, "--per-label", "2"])
        #expect(capped.status == 0)
        let cappedPage = try checkPage(output + "/index.html")
        #expect(cappedPage.images.count <= 2 * 5 && cappedPage.text.contains("more"))
        let unknown = try vggbatch(["report", "--output", output, "--label", "no-such-label"])
        #expect(unknown.status == 2 && unknown.standardError.contains("unknown label"))
    }

    @Test func thumbnailsAreUpright() throws {
        let output = directory.path("upright")
        _ = try vggbatch(["report", "--output", output])
        let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        // The card for the EXIF-6 landscape: its image comes right after its link.
        let card = try #require(html.components(separatedBy: "<li class=\"card\">").first { $0.contains("exiforient-Landscape_6.jpg") })
        let src = try #require(card.components(separatedBy: "src=\"").dropFirst().first?.components(separatedBy: "\"").first)
        let thumbnail = try ImageDecoder.decode(contentsOf: Self.file(src, page: output + "/index.html")).image
        #expect(thumbnail.width > thumbnail.height, "\(thumbnail.width)x\(thumbnail.height)")
    }

    @Test func similarAndDuplicatesWritePages() throws {
        let similar = try vggbatch(["similar", "--html", directory.path("pages/similar.html"), "--limit", "3", photos + "/skimage-coffee.png"])
        #expect(similar.status == 0, "\(similar.standardError)")
        let similarPage = try checkPage(directory.path("pages/similar.html"))
        #expect(similarPage.images.count == 4 && similarPage.text.contains("score "))
        let duplicates = try vggbatch(["duplicates", "--html", directory.path("pages/duplicates.html")])
        #expect(duplicates.status == 0, "\(duplicates.standardError)")
        let duplicatesPage = try checkPage(directory.path("pages/duplicates.html"))
        #expect(duplicatesPage.text.contains("Exact duplicates (same content): 1 group"))
        #expect(!duplicatesPage.text.contains("1 groups"))
        #expect(duplicatesPage.text.contains(Self.hostileName))
        // Near groups as photos: each group's representative and its members, thumbnails and
        // scores, and no list of pairs before (or instead of) them.
        let near = try vggbatch(["duplicates", "--json", "--threshold", "0.5"])
        let answer = try #require(try JSONSerialization.jsonObject(with: near.standardOutputBytes) as? [String: Any])
        let groups = try #require(answer["near"] as? [[String: Any]])
        try #require(!groups.isEmpty, "a threshold of 0.5 groups some of these photos")
        #expect(try vggbatch(["duplicates", "--html", directory.path("pages/near.html"), "--threshold", "0.5"]).status == 0)
        let nearPage = try checkPage(directory.path("pages/near.html"))
        #expect(nearPage.text.contains("Group 1: ") && nearPage.text.contains(", each near the first"))
        #expect(!nearPage.text.lowercased().contains("pair"))
        let html = try String(contentsOfFile: directory.path("pages/near.html"), encoding: .utf8)
        // The first near group's heading is followed by its photos, before anything else.
        let firstNear = try #require(html.range(of: "each near the first"))
        let after = html[firstNear.upperBound...]
        let photo = try #require(after.range(of: "<img"))
        let nextHeading = after.range(of: "Group 2: ")?.lowerBound ?? after.endIndex
        #expect(photo.lowerBound < nextHeading)
    }

    /// Pages written inside a scanned folder leave no pictures there for the next scan: the
    /// thumbnails stay in the cache, and self-contained copies sit in a marked folder.
    @Test func pagesInsideAScannedFolderDoNotPolluteTheNextScan() throws {
        let inside = photos + "/report"
        #expect(try vggbatch(["report", "--output", inside]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: inside + "/thumbs"))
        let cached = try checkPage(inside + "/index.html")
        #expect(cached.images.allSatisfy { $0.hasPrefix("file://" + directory.path("cache/vggbatch/thumbs/")) }, "\(cached.images)")

        let similar = try vggbatch(["similar", "--html", photos + "/similar.html", "--self-contained", photos + "/skimage-coffee.png"])
        #expect(similar.status == 0, "\(similar.standardError)")
        #expect(try vggbatch(["report", "--output", inside, "--self-contained"]).status == 0)
        for page in [photos + "/similar.html", inside + "/index.html"] {
            let checked = try checkPage(page)
            #expect(!checked.images.isEmpty && checked.images.allSatisfy { $0.hasPrefix("thumbs/") }, "\(checked.images)")
        }
        #expect(FileManager.default.fileExists(atPath: photos + "/thumbs/.vggbatch-generated"))
        #expect(FileManager.default.fileExists(atPath: inside + "/thumbs/.vggbatch-generated"))

        let rescan = try vggbatch(["scan", "--json", photos])
        let summary = try #require(JSONSerialization.jsonObject(with: Data((rescan.standardOutput.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        #expect(summary["new"] as? Int == 0 && summary["unchanged"] as? Int == 7, "\(summary)")
    }
}
