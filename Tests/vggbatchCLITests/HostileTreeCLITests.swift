import Foundation
import Testing
@testable import VGGStore
import _VGGTestSupport

/// The whole bad-image corpus (PngSuite, libpng, libjpeg-turbo and Pillow test files, many
/// broken on purpose) plus generated hostile cases, scanned in one run: every candidate file
/// ends up indexed or failed with a reason, everything else is skipped by policy and said
/// so, and nothing hangs or crashes.
@Suite("A hostile tree in one scan", .serialized)
struct HostileTreeCLITests {
    let directory = TemporaryDirectory()
    var tree: String { directory.path("tree") }
    /// The raw path of a file whose name is not UTF-8.
    var invalid: [UInt8] { Array(tree.utf8) + Array("/generated/latin1-".utf8) + [0xE9] + Array(".png".utf8) }

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "png"]

    init() throws {
        let corpus = FixturePaths.imaging("bad")
        try FileManager.default.copyItem(atPath: corpus, toPath: tree)
        let generated = tree + "/generated"
        try FileManager.default.createDirectory(atPath: generated, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: generated + "/empty.jpg", contents: Data())
        _ = FileManager.default.createFile(atPath: generated + "/text.jpg", contents: Data("just some text\n".utf8))
        _ = FileManager.default.createFile(atPath: generated + "/truncated.jpg", contents: try Data(contentsOf: URL(fileURLWithPath: FixturePaths.sample("pillow-hopper.jpg"))).prefix(2000))
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coffee.png"), toPath: generated + "/new\nline.png")
        // A name that is not UTF-8.
        let data = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.sample("libpng-toucan.png")))
        let rawName = (invalid + [0]).map { CChar(bitPattern: $0) }
        let fd = open(rawName, O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try FileManager.default.createSymbolicLink(atPath: generated + "/loop", withDestinationPath: generated)
        var deep = generated
        for level in 0..<30 { deep += "/d\(level)" }
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-chelsea.png"), toPath: deep + "/deep.png")
        #expect(mkfifo(generated + "/fifo.jpg", 0o644) == 0)
        let weights = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "2", "--output", directory.path("tiny.safetensors")])
        precondition(weights.status == 0, weights.standardError)
    }

    /// Regular files with an image name, not hidden, as raw paths.
    func candidates() throws -> Set<[UInt8]> {
        var found = Set<[UInt8]>()
        let enumerator = FileManager.default.enumerator(atPath: tree)
        while let relative = enumerator?.nextObject() as? String {
            let path = tree + "/" + relative
            let components = relative.split(separator: "/")
            if components.contains(where: { $0.hasPrefix(".") }) { continue }
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            guard Self.imageExtensions.contains((relative as NSString).pathExtension.lowercased()) else { continue }
            found.insert(Array(path.utf8))
        }
        return found
    }

    @Test func everyEntryIsAccountedFor() throws {
        let environment = ["VGGBATCH_DB": directory.path("index.sqlite"), "VGGBATCH_WEIGHTS": directory.path("tiny.safetensors"),
                           "XDG_CACHE_HOME": directory.path("cache")]
        let scan = try CommandRunner.vggbatch(["scan", "--json", tree], environment: environment)
        #expect(scan.status == 1, "some files fail on purpose: \(scan.standardError)")
        let summary = try #require(JSONSerialization.jsonObject(with: Data(scan.standardOutput.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any])

        let database = try IndexDatabase(path: directory.path("index.sqlite"), readOnly: true)
        let rows = try database.connection.query(
            "SELECT CAST(root.path || X'2F' || image.relative_path AS BLOB), image.status, COALESCE(image.failure_reason, '') FROM image JOIN root ON root.id = image.root_id")
        var stored = [[UInt8]: (status: String, reason: String)]()
        for row in rows {
            guard case .blob(let path) = row[0], case .text(let status) = row[1], case .text(let reason) = row[2] else { continue }
            stored[path] = (status, reason)
        }
        // FileManager cannot list the non-UTF-8 name: compare everything else by path, and
        // that one on its own.
        let expected = try candidates()
        let extra = Set(stored.keys).subtracting(expected).map { String(decoding: $0, as: UTF8.self) }
        let lost = expected.subtracting(stored.keys).map { String(decoding: $0, as: UTF8.self) }
        #expect(lost.isEmpty && extra.count == 1 && stored[invalid]?.status == "ok", "extra \(extra), lost \(lost)")
        #expect(stored.values.allSatisfy { $0.status == "ok" || ($0.status == "failed" && !$0.reason.isEmpty) })
        let okCount = stored.values.filter { $0.status == "ok" }.count
        let failedCount = stored.values.filter { $0.status == "failed" }.count
        #expect(summary["new"] as? Int == okCount && summary["failed"] as? Int == failedCount)
        #expect(okCount > 50 && failedCount > 20, "\(okCount) ok, \(failedCount) failed")

        #expect(stored[Array((tree + "/generated/empty.jpg").utf8)]?.status == "failed")
        #expect(stored[Array((tree + "/generated/new\nline.png").utf8)]?.status == "ok")
        let deep = tree + "/generated/" + (0..<30).map { "d\($0)" }.joined(separator: "/") + "/deep.png"
        #expect(stored[Array(deep.utf8)]?.status == "ok")
        // The FIFO and the link loop are skipped by policy and reported, never opened.
        #expect(scan.standardError.contains("fifo.jpg: not a regular file"))
        #expect(scan.standardError.contains("loop: symlink (use --follow-symlinks)"))
        #expect((summary["skipped"] as? Int ?? 0) >= 2)

        // Following links, the loop is recognised and the scan still ends.
        let follow = try CommandRunner.vggbatch(["scan", "--follow-symlinks", tree], environment: environment)
        #expect(follow.standardError.contains("symlink loop") || follow.standardError.contains("already visited"), "\(follow.standardError)")
    }
}
