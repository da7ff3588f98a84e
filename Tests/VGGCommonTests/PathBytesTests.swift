import Foundation
import Testing
import VGGCommon
import _VGGTestSupport

@Suite("Path bytes")
struct PathBytesTests {
    let b = { (text: String) in Array(text.utf8) }

    @Test func joinNeverDoublesOrLeavesASlash() {
        #expect(PathBytes.join(b("/a"), b("b")) == b("/a/b"))
        #expect(PathBytes.join(b("/"), b("b")) == b("/b"))
        #expect(PathBytes.join(b("/a/"), b("b")) == b("/a/b"))
        #expect(PathBytes.join(b("/a"), []) == b("/a"))
        #expect(PathBytes.join([], b("b")) == b("b"))
        // Names need not be UTF-8.
        #expect(PathBytes.join(b("/a"), [0xFF, 0xFE]) == b("/a/") + [0xFF, 0xFE])
    }

    @Test func withinIsComponentWise() {
        #expect(PathBytes.isWithin(b("/a/b/c"), folder: b("/a/b")))
        #expect(PathBytes.isWithin(b("/a/b"), folder: b("/a/b")))
        #expect(!PathBytes.isWithin(b("/a/bc"), folder: b("/a/b")))
        #expect(PathBytes.relative(b("/a/b/c"), to: b("/a")) == b("b/c"))
        #expect(PathBytes.relative(b("/x"), to: b("/")) == b("x"))
        #expect(PathBytes.relative(b("/a"), to: b("/b")) == nil)
    }

    @Test func presenceTellsGoneFromUnknownAndFollowsLinksWhenAsked() throws {
        let directory = TemporaryDirectory()
        let folder = directory.path("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let link = directory.path("link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder)
        #expect(PathBytes.presence(b(folder)) == .directory)
        #expect(PathBytes.presence(b(link)) == .other)
        #expect(PathBytes.presence(b(link), followingSymlinks: true) == .directory)
        #expect(PathBytes.presence(b(directory.path("nothing"))) == .gone)
        // Below a file is not a place at all: gone, not unknown.
        FileManager.default.createFile(atPath: directory.path("file"), contents: Data())
        #expect(PathBytes.presence(b(directory.path("file/below"))) == .gone)
    }
}
