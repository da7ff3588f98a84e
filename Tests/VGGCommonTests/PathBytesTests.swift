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

    @Test func parentAndLastComponent() {
        let bytes = { (text: String) in Array(text.utf8) }
        #expect(PathBytes.parent(bytes("/a/b") + [0xFF]) == bytes("/a") && PathBytes.lastComponent(bytes("/a/b") + [0xFF]) == bytes("b") + [0xFF])
        #expect(PathBytes.parent(bytes("/top")) == bytes("/") && PathBytes.lastComponent(bytes("/top")) == bytes("top"))
        #expect(PathBytes.parent(bytes("name")) == [] && PathBytes.lastComponent(bytes("name")) == bytes("name"))
        #expect(PathBytes.tidied(bytes("/a/./b//c/")) == bytes("/a/b/c") && PathBytes.tidied(bytes("/a/../b")) == bytes("/a/../b"))
        #expect(PathBytes.tidied([]) == bytes("/"))
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
        _ = FileManager.default.createFile(atPath: directory.path("file"), contents: Data())
        #expect(PathBytes.presence(b(directory.path("file/below"))) == .gone)
    }

    /// One implementation for text and bytes: what exists is resolved as the kernel would,
    /// the rest taken as written without ".", empty components or the component a ".."
    /// undoes; relative paths are taken from the working directory.
    @Test func absoluteResolvesWhatExistsAndTidiesTheRest() throws {
        let directory = TemporaryDirectory()
        let root = String(decoding: PathBytes.absolute(directory.url.path), as: UTF8.self)
        let folder = root + "/real/inner"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: folder)
        #expect(PathBytes.absolute(root + "/link") == b(folder))
        // The link is resolved before the ".." after it, as the kernel does.
        #expect(PathBytes.absolute(root + "/link/../inner") == b(folder))
        #expect(PathBytes.absolute(root + "/link/gone/./x//y/../z") == b(folder + "/gone/x/z"))
        #expect(PathBytes.absolute(root + "/link/gone/..") == b(folder))
        let odd: [UInt8] = b(root + "/link/") + [0xFF, 0xFE] + b("/../k")
        #expect(PathBytes.absolute(bytes: odd) == b(folder + "/k"))
        #expect(PathBytes.absolute(bytes: b(root + "/link/") + [0xFF]) == b(folder + "/") + [0xFF])
        #expect(PathBytes.absolute("/") == b("/") && PathBytes.absolute("/..") == b("/"))
        // (Tests share the working directory: it is read, never changed.)
        let here = PathBytes.absolute(FileManager.default.currentDirectoryPath)
        #expect(PathBytes.absolute("./no-such-name-here/../other") == PathBytes.join(here, b("other")))
    }
}
