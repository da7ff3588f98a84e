#if canImport(Glibc)
import VGGIndexTypes
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import VGGCommon
import VGGPipeline
import _VGGTestSupport

/// Builds real trees in a fresh temporary directory; names are given relative to it.
private struct Tree {
    let directory = TemporaryDirectory()

    var root: String { directory.url.path }

    func file(_ name: String, bytes: [UInt8] = [1, 2, 3]) throws {
        let url = directory.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func folder(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: directory.path(name), withIntermediateDirectories: true)
    }

    func link(_ name: String, to target: String) {
        #expect(symlink(target, directory.path(name)) == 0, "symlink \(name)")
    }

    /// A file whose name is raw bytes, which Foundation cannot express.
    func rawFile(_ name: [UInt8]) {
        let path = Array(root.utf8) + [UInt8(ascii: "/")] + name
        let descriptor = open(path.map { CChar(bitPattern: $0) } + [0], O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
        #expect(descriptor >= 0)
        close(descriptor)
    }

    func walk(_ options: WalkOptions = WalkOptions()) throws -> (lines: [String], summary: WalkSummary) {
        let walker = try DirectoryWalker(root: root, options: options)
        let lines = walker.map(Self.describe)
        return (lines, walker.summary)
    }

    /// One readable line per entry, so whole walks compare at a glance.
    static func describe(_ entry: WalkEntry) -> String {
        switch entry.kind {
        case .file: return entry.displayPath
        case .skipped(let reason): return "\(entry.displayPath) [skipped: \(reason)]"
        case .unreadable(let reason): return "\(entry.displayPath) [unreadable: \(reason)]"
        case .unsupportedFormat(let format): return "\(entry.displayPath) [\(format)]"
        }
    }
}

private let symlinkNotFollowed = "symlink (use --follow-symlinks)"

@Suite("Directory walker")
struct DirectoryWalkerTests {
    @Test func sortsEachDirectoryByRawBytesAndInterleavesFoldersWithFiles() throws {
        let tree = Tree()
        for name in ["b.jpg", "a/z.jpg", "a/b/c.jpg", "a.jpg", "A.png", "a b.jpg", "aa/x.jpg", "album.jpg/inside.jpg"] {
            try tree.file(name)
        }
        let expected = [
            "A.png", "a/b/c.jpg", "a/z.jpg", "a b.jpg", "a.jpg", "aa/x.jpg", "album.jpg/inside.jpg", "b.jpg",
        ]
        #expect(try tree.walk().lines == expected)
        #expect(try tree.walk().lines == expected, "a second walk gives the same order")
    }

    @Test func filesCarryStatAndBothPaths() throws {
        let tree = Tree()
        try tree.file("sub/p.jpg", bytes: [UInt8](repeating: 7, count: 1234))
        let walker = try DirectoryWalker(root: tree.root + "/./", options: WalkOptions())
        #expect(walker.rootPath == Array(tree.root.utf8), "'.' and trailing slashes are dropped")
        let entries = Array(walker)
        #expect(entries.count == 1)
        guard let entry = entries.first, case .file(let fileStat) = entry.kind else { return }
        #expect(entry.relativePath == Array("sub/p.jpg".utf8))
        #expect(entry.absolutePath == Array((tree.root + "/sub/p.jpg").utf8))
        var info = stat()
        #expect(lstat(tree.directory.path("sub/p.jpg"), &info) == 0)
        #expect(fileStat.size == 1234)
        #expect(fileStat.inode == UInt64(info.st_ino))
        #expect(fileStat.device == UInt64(info.st_dev))
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        #expect(fileStat.mtimeNanoseconds == Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    @Test func matchesExtensionsIgnoringCase() throws {
        let tree = Tree()
        for name in ["A.JPG", "b.Png", "c.jpeg", "d.txt", "e.jpe", "f.mpo", "noextension", "g.jpg.txt"] {
            try tree.file(name)
        }
        let (lines, summary) = try tree.walk()
        #expect(lines == ["A.JPG", "b.Png", "c.jpeg", "e.jpe"])
        #expect(summary.files == 4)
        #expect(summary.otherFilesIgnored == 4)
        #expect(try tree.walk(WalkOptions(extensions: [".MPO", "txt"])).lines == ["d.txt", "f.mpo", "g.jpg.txt"])
    }

    @Test func skipsAndCountsHiddenAndSystemNames() throws {
        let tree = Tree()
        let hidden = [".hidden.jpg", ".git/x.jpg", ".Trash/t.jpg", ".Trash-1000/files/y.jpg", "._photo.jpg"]
        let system = [
            "@eaDir/photo.jpg/SYNOPHOTO_THUMB_M.jpg", "node_modules/n.jpg", "System Volume Information/s.jpg",
            "$RECYCLE.BIN/r.jpg", "lost+found/l.jpg",
        ]
        for name in hidden + system + ["photo.jpg", "sub/.DS_Store"] { try tree.file(name) }

        let (lines, summary) = try tree.walk()
        #expect(lines == ["photo.jpg"])
        #expect(summary.hiddenSkipped == 6)
        #expect(summary.systemSkipped == 5)

        let all = try tree.walk(WalkOptions(includeHidden: true))
        // Sorted per component, not as whole strings: ".Trash" precedes ".Trash-1000".
        #expect(all.lines == [
            "$RECYCLE.BIN/r.jpg", ".Trash/t.jpg", ".Trash-1000/files/y.jpg", "._photo.jpg", ".git/x.jpg",
            ".hidden.jpg", "@eaDir/photo.jpg/SYNOPHOTO_THUMB_M.jpg", "System Volume Information/s.jpg",
            "lost+found/l.jpg", "node_modules/n.jpg", "photo.jpg",
        ])
        #expect(all.summary.hiddenSkipped == 0 && all.summary.systemSkipped == 0)
    }

    @Test func symlinksAreReportedUnlessFollowed() throws {
        let tree = Tree()
        try tree.file("real/p.jpg")
        tree.link("dirlink", to: "real")
        tree.link("link.jpg", to: "real/p.jpg")
        tree.link("notes", to: "real/p.jpg")  // not an image name, not a directory: not worth a line

        let (lines, summary) = try tree.walk()
        #expect(lines == ["dirlink [skipped: \(symlinkNotFollowed)]", "link.jpg [skipped: \(symlinkNotFollowed)]", "real/p.jpg"])
        #expect(summary.skipped == 2 && summary.otherFilesIgnored == 1)

        // Followed, the real directory is walked once: through the link, which sorts first.
        let followed = try tree.walk(WalkOptions(followSymlinks: true))
        #expect(followed.lines == ["dirlink/p.jpg", "link.jpg", "real [skipped: already visited]"])
    }

    @Test func followedLinkReportsTheTarget() throws {
        let tree = Tree()
        try tree.file("real/p.jpg", bytes: [UInt8](repeating: 1, count: 99))
        tree.link("link.jpg", to: "real/p.jpg")
        let walker = try DirectoryWalker(root: tree.root, options: WalkOptions(followSymlinks: true))
        let entry = walker.first { $0.relativePath == Array("link.jpg".utf8) }
        guard case .file(let stat) = entry?.kind else {
            Issue.record("link.jpg must be a file, got \(String(describing: entry))")
            return
        }
        #expect(stat.size == 99)
    }

    @Test func symlinkLoopsAreDetected() throws {
        let tree = Tree()
        try tree.file("a/p.jpg")
        tree.link("a/link", to: "..")
        tree.link("a/self", to: ".")
        tree.link("knot.jpg", to: "knot.jpg")
        let (lines, _) = try tree.walk(WalkOptions(followSymlinks: true))
        #expect(lines == [
            "a/link [skipped: symlink loop]", "a/p.jpg", "a/self [skipped: symlink loop]",
            "knot.jpg [skipped: symlink loop]",
        ])
    }

    @Test func aDirectoryReachableTwiceIsWalkedOnce() throws {
        let tree = Tree()
        try tree.file("x/p.jpg")
        tree.link("y", to: "x")
        tree.link("z", to: "x")
        let (lines, summary) = try tree.walk(WalkOptions(followSymlinks: true))
        #expect(lines == ["x/p.jpg", "y [skipped: already visited]", "z [skipped: already visited]"])
        #expect(summary.directories == 2)
    }

    @Test func danglingSymlinks() throws {
        let tree = Tree()
        tree.link("gone.jpg", to: "missing.jpg")
        tree.link("nowhere", to: "missing-folder")
        #expect(try tree.walk().lines == ["gone.jpg [skipped: \(symlinkNotFollowed)]"])
        #expect(try tree.walk(WalkOptions(followSymlinks: true)).lines == [
            "gone.jpg [unreadable: dangling symlink]", "nowhere [unreadable: dangling symlink]",
        ])
    }

    @Test func anUnreadableDirectoryIsRecordedAndTheWalkGoesOn() throws {
        let tree = Tree()
        try tree.file("locked/inside.jpg")
        try tree.file("open.jpg")
        #expect(chmod(tree.directory.path("locked"), 0) == 0)
        defer { chmod(tree.directory.path("locked"), 0o755) }
        // Root (the usual user in containers) reads any directory whatever its mode, so
        // the assertion depends on whether the mode bites for this user.
        let modeBites = opendir(tree.directory.path("locked")).map { closedir($0) } == nil
        let (lines, summary) = try tree.walk()
        if modeBites {
            #expect(lines == ["locked [unreadable: Permission denied]", "open.jpg"])
            #expect(summary.unreadable == 1)
        } else {
            #expect(lines == ["locked/inside.jpg", "open.jpg"])
        }
    }

    /// A directory whose path is longer than PATH_MAX cannot be opened by path by anyone,
    /// root included: an unreadable directory that every test run can build.
    @Test func aDirectoryBeyondPathMaxIsUnreadable() throws {
        let tree = Tree()
        try tree.file("after.jpg")
        let name = String(repeating: "n", count: 255)
        var levels: [Int32] = [open(tree.root, O_RDONLY | O_DIRECTORY)]
        defer {
            // Removed level by level through descriptors, since the full path cannot be used;
            // before the temporary directory goes, which would trip over the long path.
            withExtendedLifetime(tree) {
                for (depth, descriptor) in levels.enumerated().reversed() {
                    if depth + 1 < levels.count { unlinkat(descriptor, name, AT_REMOVEDIR) }
                    close(descriptor)
                }
            }
        }
        var length = tree.root.utf8.count
        while length < Int(PATH_MAX) {
            let parent = levels[levels.count - 1]
            #expect(mkdirat(parent, name, 0o755) == 0)
            levels.append(openat(parent, name, O_RDONLY | O_DIRECTORY))
            length += 1 + name.utf8.count
        }
        let (lines, summary) = try tree.walk()
        let deepest = Array(repeating: name, count: levels.count - 1).joined(separator: "/")
        #expect(lines == ["after.jpg", "\(deepest) [unreadable: File name too long]"])
        #expect(summary.unreadable == 1)
    }

    @Test func aFIFOWithAnImageNameIsSkippedWithoutBlocking() throws {
        let tree = Tree()
        #expect(mkfifo(tree.directory.path("pipe.jpg"), 0o644) == 0)
        #expect(mkfifo(tree.directory.path("pipe"), 0o644) == 0)
        try tree.file("z.jpg")
        let (lines, _) = try tree.walk()
        #expect(lines == ["pipe.jpg [skipped: not a regular file]", "z.jpg"])
    }

    @Test func namesAreBytesNotText() throws {
        let tree = Tree()
        let invalid: [UInt8] = [UInt8(ascii: "f"), 0xFF, UInt8(ascii: ".")] + Array("jpg".utf8)
        tree.rawFile(invalid)
        try tree.file("line\nbreak.jpg")
        try tree.file("with space.jpg")
        try tree.file("été.png")

        let entries = Array(try DirectoryWalker(root: tree.root))
        #expect(entries.map(\.relativePath) == [
            invalid, Array("line\nbreak.jpg".utf8), Array("with space.jpg".utf8), Array("été.png".utf8),
        ])
        #expect(entries.map(\.displayPath) == ["f\\xff.jpg", "line\\x0abreak.jpg", "with space.jpg", "été.png"])
        // The bytes open the same file again.
        if let first = entries.first {
            #expect(try FileFingerprint.compute(path: first.absolutePath) == FileFingerprint.compute([]))
        }
    }

    @Test(arguments: [
        ([UInt8](), ""),
        (Array("plain/ascii.jpg".utf8), "plain/ascii.jpg"),
        (Array("a\\xff".utf8), "a\\\\xff"),
        ([0xE2, 0x82], "\\xe2\\x82"),
        ([0xE2, 0x82, 0xAC, 0xC0, 0xAF, 0x7F], "€\\xc0\\xaf\\x7f"),
        (Array("tab\there 😀".utf8), "tab\\x09here 😀"),
    ])
    func displayStringIsReadableAndUnambiguous(bytes: [UInt8], expected: String) {
        #expect(PathBytes.display(bytes) == expected)
    }

    @Test func thirtyLevelsDeepAndTheDepthLimit() throws {
        let tree = Tree()
        let folders = (0..<30).map { "d\($0)" }
        let path = (folders + ["deep.jpg"]).joined(separator: "/")
        try tree.file(path)
        #expect(try tree.walk().lines == [path])
        let limited = try tree.walk(WalkOptions(maxDepth: 10))
        #expect(limited.lines == [folders[0...10].joined(separator: "/") + " [skipped: too deep]"])
        #expect(try tree.walk(WalkOptions(maxDepth: 0)).lines == ["d0 [skipped: too deep]"])
    }

    @Test func anUnusableRootThrows() throws {
        let tree = Tree()
        try tree.file("file.jpg")
        let missing = tree.directory.path("not-mounted")
        #expect(throws: WalkError.rootUnavailable(path: missing, reason: "No such file or directory")) {
            try DirectoryWalker(root: missing)
        }
        let file = tree.directory.path("file.jpg")
        #expect(throws: WalkError.rootUnavailable(path: file, reason: "Not a directory")) {
            try DirectoryWalker(root: file)
        }
        #expect(throws: WalkError.rootUnavailable(path: "", reason: "empty path")) {
            try DirectoryWalker(root: "")
        }
    }

    @Test func aSymlinkedRootIsWalked() throws {
        let tree = Tree()
        try tree.file("real/p.jpg")
        tree.link("root-link", to: "real")
        let walker = try DirectoryWalker(root: tree.directory.path("root-link"))
        #expect(Array(walker).map(\.displayAbsolutePath) == [tree.directory.path("root-link") + "/p.jpg"])
    }
}
