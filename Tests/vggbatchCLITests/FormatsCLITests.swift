import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

/// Phone and camera formats through the whole command line: a folder of HEIC, AVIF, WebP,
/// TIFF and DNG files is indexed like JPEGs, `status` counts them by format, a GIF is said to
/// be skipped, and a model keeps its colour handling.
@Suite("vggbatch and photo formats", .serialized)
struct FormatsCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var weights: String { directory.path("tiny.safetensors") }
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": weights, "VGGBATCH_DB": directory.path("index.sqlite")]
    }
    static let files = ["photo.heic", "rot90.heic", "p3.heic", "photo.avif", "lossy.webp", "animated.webp", "rgb16.tif", "cmyk.tif", "preview.dng"]

    init() throws {
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for name in Self.files {
            try FileManager.default.copyItem(atPath: FixturePaths.imaging("formats/\(name)"), toPath: "\(photos)/\(name)")
        }
        try FileManager.default.copyItem(atPath: FixturePaths.sample("pillow-hopper.jpg"), toPath: "\(photos)/hopper.jpg")
        _ = FileManager.default.createFile(atPath: "\(photos)/anim.gif", contents: Data("GIF89a".utf8))
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", weights])
        precondition(result.status == 0, result.standardError)
    }

    func vggbatch(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment)
    }

    /// LibRaw decodes some damaged thumbnails with its own libjpeg, which prints warnings on
    /// standard error; none of them reaches vggbatch's (found by fuzzing).
    @Test func libRawsJPEGWarningsStayOffStandardError() throws {
        let damaged = FixturePaths.repositoryRoot.appendingPathComponent("Fuzz/Regressions/raw/thumbnail-libjpeg-warning.dng").path
        let result = try vggbatch(["inspect", damaged])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("Corrupt JPEG data") && !result.standardOutput.contains("Corrupt JPEG data"), "\(result.standardError)")
        // A file LibRaw refuses without a message still gets a reason.
        let silent = FixturePaths.repositoryRoot.appendingPathComponent("Fuzz/Regressions/raw/failure-without-reason.dng").path
        let refused = try vggbatch(["inspect", silent])
        #expect(refused.status != 0 && refused.standardError.hasSuffix("error: corrupt: the decoder stopped without giving a reason\n"), "\(refused.standardError)")
    }

    @Test func everyFormatIsIndexedAndCounted() throws {
        let scan = try vggbatch(["scan", photos])
        #expect(scan.status == 0, "\(scan.standardError)")
        #expect(scan.standardError.contains("10 new, 0 changed"), "\(scan.standardError)")
        #expect(scan.standardError.contains("colour profiles: srgb"))
        #expect(scan.standardError.contains("skipped files in formats vggbatch does not read: 1 GIF"), "\(scan.standardError)")
        let status = try vggbatch(["status"])
        #expect(status.standardOutput.contains("by format: 3 heic, 2 tiff, 2 webp, 1 avif, 1 jpeg, 1 raw"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("colour profiles srgb"))
        let inspect = try vggbatch(["inspect", "\(photos)/p3.heic"])
        #expect(inspect.standardOutput.contains("Display P3 converted to sRGB"), "\(inspect.standardOutput)")
        // The model keeps its colour handling: a scan told otherwise is refused.
        let other = try vggbatch(["scan", "--color", "as-stored", photos])
        #expect(other.status == 2 && other.standardError.contains("with colour profiles converted to sRGB"), "\(other.standardError)")
        // A HEIC file is a query like any other (random weights: which photo comes first says nothing).
        let similar = try vggbatch(["similar", "--limit", "3", "\(photos)/photo.heic"])
        #expect(similar.status == 0 && similar.standardOutput.split(separator: "\n").count == 3, "\(similar.standardOutput)")
    }

    /// The report shows HEIC, AVIF, WebP, TIFF and RAW photos with thumbnails like JPEGs,
    /// upright: a HEIC turned by irot and a DNG by its camera orientation come out portrait.
    @Test func theReportShowsEveryFormatUpright() throws {
        #expect(try vggbatch(["scan", photos]).status == 0)
        let output = directory.path("report")
        let report = try vggbatch(["report", "--output", output])
        #expect(report.status == 0, "\(report.standardError)")
        #expect(report.standardOutput.contains("10 photos") && report.standardOutput.contains("10 thumbnails made"), "\(report.standardOutput)")
        let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
        for (name, portrait) in [("rot90.heic", true), ("photo.heic", false), ("preview.dng", true), ("photo.avif", false), ("cmyk.tif", false)] {
            let card = try #require(html.components(separatedBy: "<li class=\"card\">").first { $0.contains(name) }, "\(name)")
            let src = try #require(card.components(separatedBy: "src=\"").dropFirst().first?.components(separatedBy: "\"").first)
            let file = src.hasPrefix("file://") ? String(src.dropFirst(7)).removingPercentEncoding ?? src : output + "/" + src
            let thumbnail = try ImageDecoder.decode(contentsOf: file).image
            #expect((thumbnail.height > thumbnail.width) == portrait, "\(name): \(thumbnail.width)x\(thumbnail.height)")
        }
    }
}
