import Foundation
import Testing
import VGGStore
import _VGGTestSupport

/// `vggbatch scan` and the commands around it, on real SQLite files and a tiny model.
@Suite("vggbatch scan", .serialized)
struct ScanCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var database: String { directory.path("index.sqlite") }
    var weights: String { directory.path("tiny.safetensors") }
    var environment: [String: String] {
        ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_WEIGHTS": weights, "VGGBATCH_DB": database]
    }

    static let samples = ["pillow-hopper.jpg", "skimage-coins.png", "ljt-testorig.jpg", "libpng-toucan.png", "sklearn-china.jpg", "skimage-chelsea.png"]

    init() throws {
        try FileManager.default.createDirectory(atPath: directory.path("photos/sub"), withIntermediateDirectories: true)
        for (i, name) in Self.samples.enumerated() {
            let target = i % 2 == 0 ? "photos/\(name)" : "photos/sub/\(name)"
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path(target))
        }
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", weights])
        precondition(result.status == 0, result.standardError)
    }

    func vggbatch(_ arguments: [String], extra: [String: String] = [:]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment.merging(extra) { $1 })
    }

    func summary(_ result: CommandResult) throws -> [String: Any] {
        let last = try #require(result.standardOutput.split(separator: "\n").last)
        return try #require(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    func exported() throws -> [String] {
        let result = try vggbatch(["export", "--format", "jsonl", "--features"])
        #expect(result.status == 0, "\(result.standardError)")
        return result.standardOutput.split(separator: "\n").map(String.init)
    }

    func showJSON(_ path: String) throws -> [String: Any] {
        let result = try vggbatch(["show", "--json", path])
        #expect(result.status == 0, "\(result.standardError)")
        return try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }

    @Test func firstScanThenIncrementalRescans() throws {
        let first = try vggbatch(["scan", "--json", photos])
        #expect(first.status == 0, "\(first.standardError)")
        let none = try vggbatch(["status", "--failed"])
        #expect(none.status == 0 && none.standardOutput.isEmpty && none.standardError == "no failed files\n")
        #expect(try summary(first)["new"] as? Int == 6)
        let before = try exported()
        #expect(before.count == 6)

        // Unchanged files are not opened: rewrite one with other bytes of the same size and
        // put its time back; the stored results must stay those of the old content.
        let victim = directory.path("photos/pillow-hopper.jpg")
        var original = stat()
        try #require(stat(victim, &original) == 0)
        let handle = try #require(FileHandle(forWritingAtPath: victim))
        try handle.write(contentsOf: Data(repeating: 0x41, count: Int(original.st_size)))
        try handle.close()
        let times = [original.st_atim, original.st_mtim]
        try #require(utimensat(AT_FDCWD, victim, times, 0) == 0)
        let second = try vggbatch(["scan", "--json", photos])
        #expect(try summary(second)["unchanged"] as? Int == 6)
        #expect(try exported() == before)

        // The same content with a new time: touched, not changed, and nothing computed.
        let coins = directory.path("photos/sub/skimage-coins.png")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: coins)
        let touched = try vggbatch(["scan", "--json", photos])
        let touchedCounts = try summary(touched)
        #expect(touchedCounts["touched"] as? Int == 1 && touchedCounts["changed"] as? Int == 0 && touchedCounts["computed"] as? Int == 0)
        #expect(touched.standardError.contains("0 new, 0 changed, 1 touched, 5 unchanged"), "\(touched.standardError)")

        // With a new time the file is looked at again: now it is garbage, so it fails.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: victim)
        let third = try vggbatch(["scan", "--json", photos])
        #expect(third.status == 1)
        #expect(try summary(third)["failed"] as? Int == 1)
        let failed = try vggbatch(["status", "--failed"])
        #expect(failed.standardOutput.contains("pillow-hopper.jpg: not a JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW file"))
    }

    /// The summary splits the processor time by stage; the stages add up to the whole.
    @Test func theSummarySaysWhereTheCoreTimeWent() throws {
        let scan = try vggbatch(["scan", "--json", photos])
        #expect(scan.status == 0, "\(scan.standardError)")
        let line = try #require(scan.standardOutput.split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let decode = try #require(summary["decode_core_seconds"] as? Double)
        let engine = try #require(summary["engine_core_seconds"] as? Double)
        let other = try #require(summary["other_core_seconds"] as? Double)
        let total = try #require(summary["core_seconds"] as? Double)
        #expect(decode > 0 && engine > 0 && other >= 0, "\(summary)")
        #expect(abs(decode + engine + other - total) < 0.01 && total >= decode + engine - 0.002, "\(summary)")
        let verbose = try vggbatch(["scan", "--verbose", "--db", directory.path("second.sqlite"), photos])
        #expect(verbose.status == 0)
        #expect(verbose.standardError.contains("core time per computed image: read+decode+resize "), "\(verbose.standardError)")
        let quiet = try vggbatch(["scan", "--db", directory.path("third.sqlite"), photos])
        #expect(quiet.status == 0 && !quiet.standardError.contains("core time"), "only with --verbose")
    }

    @Test func movedFilesKeepTheirResults() throws {
        _ = try vggbatch(["scan", photos])
        let old = directory.path("photos/sklearn-china.jpg")
        let before = try showJSON(old)
        try FileManager.default.createDirectory(atPath: directory.path("photos/moved"), withIntermediateDirectories: true)
        let new = directory.path("photos/moved/renamed.jpg")
        try FileManager.default.moveItem(atPath: old, toPath: new)
        let result = try vggbatch(["scan", "--json", photos])
        let counts = try summary(result)
        #expect(counts["moved"] as? Int == 1 && counts["new"] as? Int == 0 && counts["missing"] as? Int == 0)
        let after = try showJSON(new)
        #expect((after["models"] as? [[String: Any]])?.first?["top"] as? NSArray == (before["models"] as? [[String: Any]])?.first?["top"] as? NSArray)
        #expect(try vggbatch(["show", old]).status == 2)
    }

    @Test func rootsGivenTwiceOrNestedAreWalkedOnce() throws {
        let result = try vggbatch(["scan", "--json", photos, photos + "/", directory.path("photos/sub")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try summary(result)["new"] as? Int == 6)
        #expect(try exported().count == 6)
    }

    @Test func aMissingFileThatComesBackKeepsItsResults() throws {
        _ = try vggbatch(["scan", photos])
        let path = directory.path("photos/sklearn-china.jpg")
        let before = try showJSON(path)
        try FileManager.default.moveItem(atPath: path, toPath: directory.path("aside.jpg"))
        let gone = try vggbatch(["scan", "--json", photos])
        #expect(try summary(gone)["missing"] as? Int == 1)
        try FileManager.default.moveItem(atPath: directory.path("aside.jpg"), toPath: path)
        let back = try vggbatch(["scan", "--json", photos])
        let counts = try summary(back)
        #expect(counts["new"] as? Int == 0 && counts["touched"] as? Int == 1 && counts["changed"] as? Int == 0)
        let after = try showJSON(path)
        #expect(after["status"] as? String == "ok")
        #expect((after["models"] as? [[String: Any]])?.first?["top"] as? NSArray == (before["models"] as? [[String: Any]])?.first?["top"] as? NSArray)
        let progress = back.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(progress.allSatisfy { ($0["inferred"] as? Int ?? 0) == 0 }, "the returning file was classified again")
    }

    @Test func filesUnderAnotherRootAreNotTakenAsMoved() throws {
        _ = try vggbatch(["scan", photos])
        // The first root goes away (an unplugged drive) and a copy of one of its photos shows
        // up in another folder: a new file there, not the old one moved.
        try FileManager.default.moveItem(atPath: photos, toPath: directory.path("unplugged"))
        try FileManager.default.createDirectory(atPath: directory.path("other"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory.path("unplugged/ljt-testorig.jpg"), toPath: directory.path("other/copy.jpg"))
        let other = try vggbatch(["scan", "--json", directory.path("other")])
        let counts = try summary(other)
        #expect(counts["new"] as? Int == 1 && counts["moved"] as? Int == 0)
        try FileManager.default.moveItem(atPath: directory.path("unplugged"), toPath: photos)
        let back = try vggbatch(["scan", "--json", photos])
        #expect(try summary(back)["unchanged"] as? Int == 6)
    }

    @Test func vanishedRootsAndMassDeletionsAreNotMarkedMissing() throws {
        _ = try vggbatch(["scan", photos])
        // The whole root gone (an unmounted drive): nothing is marked missing.
        try FileManager.default.moveItem(atPath: photos, toPath: directory.path("elsewhere"))
        // Named on the command line, a folder that is not there is a mistake: one line, exit 2.
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let named = try vggbatch(["scan", "--json", photos])
        #expect(named.status == 2 && named.standardError == "vggbatch: error: \(photos): no such folder\n", "\(named.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before, "nothing written")
        // A rescan of every root (no folder named) reports it and marks nothing missing.
        let unplugged = try vggbatch(["scan", "--json"])
        #expect(unplugged.standardError.contains("could not be scanned"))
        #expect(try summary(unplugged)["missing"] as? Int == 0)
        // The index no longer matches the disk and a person must act: a cron job sees exit 1,
        // and status says how many files were held back, and what forgets a folder gone for good.
        #expect(unplugged.status == 1)
        #expect(try summary(unplugged)["held_back"] as? Int == 6)
        #expect(unplugged.standardError.contains("`vggbatch roots remove"))
        #expect(try vggbatch(["status"]).standardOutput.contains("6 vanished files not marked missing"))
        try FileManager.default.moveItem(atPath: directory.path("elsewhere"), toPath: photos)

        // Add copies so the root has 12 files, then remove 11: most vanished at once.
        for i in 0..<6 {
            try FileManager.default.copyItem(atPath: FixturePaths.sample("pillow-hopper.png"), toPath: directory.path("photos/extra\(i).png"))
        }
        _ = try vggbatch(["scan", photos])
        let all = try FileManager.default.subpathsOfDirectory(atPath: photos).filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        for path in all.dropLast() { try FileManager.default.removeItem(atPath: photos + "/" + path) }
        let mass = try vggbatch(["scan", "--json", photos])
        #expect(mass.standardError.contains("vanished at once"))
        #expect(try summary(mass)["missing"] as? Int == 0)
        #expect(mass.status == 1)
        // After the message has scrolled away, status still says so.
        let held = try vggbatch(["status"])
        #expect(held.standardOutput.contains("11 vanished files not marked missing"), "\(held.standardOutput)")
        let heldJSON = try vggbatch(["status", "--json"])
        let lastScan = try #require(JSONSerialization.jsonObject(with: Data(heldJSON.standardOutput.utf8)) as? [String: Any])["last_scan"]
        #expect((lastScan as? [String: Any])?["held_back"] as? Int == 11)
        let accepted = try vggbatch(["scan", "--json", "--accept-missing", photos])
        #expect(try summary(accepted)["missing"] as? Int == 11)
        #expect(accepted.status == 0)
        #expect(!(try vggbatch(["status"])).standardOutput.contains("not marked missing"))
        let status = try vggbatch(["status", "--json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        #expect(object["missing"] as? Int == 11)
        let pruned = try vggbatch(["prune"])
        #expect(pruned.standardOutput.contains("deleted 11"))
    }

    /// A link to a folder that the rules do not follow is not an incomplete walk: a photo
    /// deleted elsewhere in the root is marked missing, and is no longer offered as a copy.
    @Test func aLinkNotFollowedDoesNotHideDeletions() throws {
        let elsewhere = directory.path("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixturePaths.sample("pillow-hopper.jpg"), toPath: elsewhere + "/copy.jpg")
        try FileManager.default.createSymbolicLink(atPath: directory.path("photos/more"), withDestinationPath: elsewhere)
        try FileManager.default.copyItem(atPath: FixturePaths.sample("pillow-hopper.jpg"), toPath: directory.path("photos/sub/again.jpg"))
        #expect(try vggbatch(["scan", photos]).status == 0)
        try FileManager.default.removeItem(atPath: directory.path("photos/pillow-hopper.jpg"))
        let rescan = try vggbatch(["scan", "--json", photos])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        #expect(try summary(rescan)["missing"] as? Int == 1)
        #expect(!rescan.standardError.contains("nothing under it was marked missing"), "\(rescan.standardError)")
        #expect(try showJSON(directory.path("photos/pillow-hopper.jpg"))["status"] as? String == "missing")
        // The copy left is one file now, not one of two.
        let copies = try vggbatch(["duplicates", "--exact-only"])
        #expect(!copies.standardOutput.contains("pillow-hopper.jpg"), "\(copies.standardOutput)")
    }

    /// A folder that cannot be read: said in the summary and the exit status; only what lies
    /// in it is left alone, the rest of the root is still checked for deleted files.
    @Test func anUnreadableFolderIsReportedAndOnlyItIsLeftAlone() throws {
        // Root reads every folder: the scan runs as an ordinary user then.
        let unprivileged = geteuid() == 0
        if unprivileged { chmod(directory.url.path, 0o777) }
        func scan(_ arguments: [String]) throws -> CommandResult {
            guard unprivileged else { return try vggbatch(arguments) }
            return try CommandRunner.run(
                URL(fileURLWithPath: "/usr/bin/setpriv"),
                ["--reuid=65534", "--regid=65534", "--clear-groups", FixturePaths.vggbatchExecutable.path] + arguments,
                environment: environment)
        }
        let first = try scan(["scan", "--json", photos])
        #expect(first.status == 0, "\(first.standardError)")
        chmod(directory.path("photos/sub"), 0o000)
        defer { chmod(directory.path("photos/sub"), 0o755) }
        try FileManager.default.removeItem(atPath: directory.path("photos/pillow-hopper.jpg"))
        let rescan = try scan(["scan", "--json", photos])
        #expect(rescan.status == 1, "\(rescan.standardError)")
        let result = try summary(rescan)
        #expect(result["unreadable"] as? Int == 1 && result["missing"] as? Int == 1, "\(result)")
        #expect(rescan.standardError.contains("1 place under \(photos) could not be read"), "\(rescan.standardError)")
        #expect(rescan.standardError.contains("1 unreadable;"), "\(rescan.standardError)")
        let status = try vggbatch(["status", "--json"])
        let counts = try #require(JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        #expect(counts["ok"] as? Int == 5 && counts["missing"] as? Int == 1, "\(counts)")
    }

    /// Every file that failed for what it holds, empty ones included, fails once: the next
    /// scan counts it unchanged and exits 0 (a nightly job is not failed for ever).
    @Test func failedFilesCountAsUnchangedOnRescans() throws {
        _ = FileManager.default.createFile(atPath: directory.path("photos/empty.jpg"), contents: Data())
        _ = FileManager.default.createFile(atPath: directory.path("photos/broken.png"), contents: Data("\u{89}PNG\r\n\u{1A}\nnot really".utf8))
        let first = try vggbatch(["scan", "--json", photos])
        let firstCounts = try summary(first)
        #expect(first.status == 1 && firstCounts["failed"] as? Int == 2, "\(first.standardError)")
        let again = try vggbatch(["scan", "--json", photos])
        #expect(again.status == 0, "\(again.standardError)")
        let counts = try summary(again)
        #expect(counts["failed"] as? Int == 0 && counts["unchanged"] as? Int == 8, "\(counts)")
        // Still listed as failed, with their reasons.
        let failed = try vggbatch(["status", "--failed"])
        #expect(failed.standardOutput.contains("empty.jpg: empty file (0 bytes)"), "\(failed.standardOutput)")
        // Changed, an empty file is read again.
        try Data([0xFF, 0xD8, 0xFF]).write(to: URL(fileURLWithPath: directory.path("photos/empty.jpg")))
        let changed = try vggbatch(["scan", "--json", photos])
        let changedCounts = try summary(changed)
        #expect(changed.status == 1 && changedCounts["failed"] as? Int == 1, "\(changedCounts)")
    }

    /// The index's model keeps the precision it was computed in: later scans (and lines to
    /// import) use it or are refused, never mixed in.
    @Test func aModelKeepsItsPrecision() throws {
        let first = try vggbatch(["scan", "--precision", "bf16", photos])
        #expect(first.status == 0 && first.standardError.contains("precision: bf16"), "\(first.standardError)")
        let status = try #require(JSONSerialization.jsonObject(with: Data(try vggbatch(["status", "--json"]).standardOutputBytes)) as? [String: Any])
        #expect((status["models"] as? [[String: Any]])?.first?["precision"] as? String == "bf16")
        let other = try vggbatch(["scan", "--precision", "f32", photos])
        #expect(other.status == 2 && other.standardError.contains("model 1's vectors were computed in bf16, and this scan would compute f32"),
                "\(other.standardError)")
        let again = try vggbatch(["scan", "--json", photos])
        #expect(again.status == 0 && again.standardError.contains("precision: bf16"), "\(again.standardError)")
        #expect(try summary(again)["computed"] as? Int == 0)
        // Lines of the same weights in float32 do not go into the bfloat16 model.
        let list = try vggbatch(["list", photos]).standardOutput
        let lines = try CommandRunner.vggbatch(
            ["classify", "--features", "--precision", "f32", "--files-from", "-"], environment: environment, input: Data(list.utf8))
        #expect(lines.standardOutput.contains("\"precision\": \"f32\""))
        let file = directory.path("f32.jsonl")
        try lines.standardOutputBytes.write(to: URL(fileURLWithPath: file))
        let imported = try vggbatch(["import", file])
        #expect(imported.status == 2 && imported.standardError.contains("computed in f32, and model 1 of the index"), "\(imported.standardError)")
    }

    @Test func killedScansResumeToTheSameResults() throws {
        // Enough files that a scan takes a while in a debug build.
        for i in 0..<40 {
            let name = Self.samples[i % Self.samples.count]
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path("photos/copy\(i)-\(name)"))
        }
        let clean = directory.path("clean.sqlite")
        let reference = try vggbatch(["scan", photos], extra: ["VGGBATCH_DB": clean])
        #expect(reference.status == 0)
        let expected = try vggbatch(["export", "--features"], extra: ["VGGBATCH_DB": clean]).standardOutput

        for delay in [0.15, 0.4, 0.8] {
            let process = try CommandRunner.start(["scan", "--batch-size", "2", photos], environment: environment)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // A slow start (a sanitizer build) may be killed before the index exists.
            guard FileManager.default.fileExists(atPath: database) else { continue }
            let connection = try SQLiteConnection(path: database, readOnly: true, create: false)
            #expect(try connection.query("PRAGMA integrity_check") == [[.text("ok")]])
        }
        let resumed = try vggbatch(["scan", photos])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try vggbatch(["export", "--features"]).standardOutput == expected)
        let connection = try SQLiteConnection(path: database, readOnly: true, create: false)
        #expect(try connection.query("SELECT COUNT(*) FROM image") == [[.integer(46)]])
        #expect(try connection.query("SELECT COUNT(*) FROM feature") == [[.integer(46)]])
    }

    @Test func readersWorkDuringAScanAndASecondScanIsRefused() throws {
        for i in 0..<40 {
            try FileManager.default.copyItem(atPath: FixturePaths.sample("sklearn-china.jpg"), toPath: directory.path("photos/c\(i).jpg"))
        }
        _ = try vggbatch(["scan", directory.path("photos/sub")])
        // One image per batch and one decoder, so the scan is still running for what follows.
        let process = try CommandRunner.start(["scan", "--batch-size", "1", "--decode-threads", "1", photos], environment: environment)
        Thread.sleep(forTimeInterval: 0.3)
        // Two searches and a status while the scan writes.
        let queries = DispatchGroup()
        let answers = ResultsBox()
        for query in ["skimage-chelsea.png", "skimage-coins.png"] {
            DispatchQueue.global().async(group: queries) {
                answers.add(try? self.vggbatch(["similar", "--paths", self.directory.path("photos/sub/" + query)]))
            }
        }
        let status = try vggbatch(["status", "--json"])
        queries.wait()
        #expect(answers.all.count == 2 && answers.all.allSatisfy { $0?.status == 0 }, "\(answers.all.map { $0?.standardError ?? "" })")
        let second = try vggbatch(["scan", photos])
        process.interrupt()  // SIGINT: finish the batch, save, exit 130
        process.waitUntilExit()
        #expect(status.status == 0, "\(status.standardError)")
        #expect(second.status == 2)
        #expect(second.standardError.contains("another vggbatch is writing to this index (a scan, an import or an index build)"))
        #expect(process.terminationStatus == 130 || process.terminationStatus == 0)
        let finished = try vggbatch(["scan", photos])
        #expect(finished.status == 0)
    }

    @Test func oddFileNamesSurvive() throws {
        let odd: [[UInt8]] = [Array("new\nline.jpg".utf8), [0x62, 0x61, 0x64, 0xFF, 0xFE] + Array(".jpg".utf8), Array("sp ace ü.png".utf8)]
        let source = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.sample("pillow-hopper.jpg")))
        for name in odd {
            let path = Array(photos.utf8) + [UInt8(ascii: "/")] + name
            let cPath = (path + [0]).map { CChar(bitPattern: $0) }
            let fd = cPath.withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
            try #require(fd >= 0)
            _ = source.withUnsafeBytes { write(fd, $0.baseAddress, source.count) }
            close(fd)
        }
        let first = try vggbatch(["scan", "--json", photos])
        #expect(try summary(first)["new"] as? Int == 9)
        let lines = try exported()
        // JSON carries the real name (a newline escaped as JSON does); bytes that are not
        // UTF-8 have the display form's escapes.
        #expect(lines.contains { $0.contains("new\\nline.jpg") })
        #expect(lines.contains { $0.contains("bad\\\\xff\\\\xfe.jpg") })
        let again = try vggbatch(["scan", "--json", photos])
        #expect(try summary(again)["unchanged"] as? Int == 9)

        let newline = photos + "/new\nline.jpg"
        // CSV quotes the field, with the newline inside it.
        let csv = try vggbatch(["export", "--format", "csv"]).standardOutput
        #expect(csv.contains("\"\(newline)\",") , "\(csv)")
        // similar --json and --csv carry the name exactly.
        let query = photos + "/" + Self.samples[0]
        let similar = try vggbatch(["similar", "--json", "--limit", "100", query])
        let results = try #require((JSONSerialization.jsonObject(with: Data(similar.standardOutput.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.contains { $0["path"] as? String == newline })
        #expect(try vggbatch(["similar", "--csv", "--limit", "100", query]).standardOutput.contains("\"\(newline)\","))
        // --paths --null: each path's exact bytes, NUL after each, as find -print0.
        let null = try vggbatch(["similar", "--paths", "--null", "--limit", "100", query]).standardOutputBytes
        let entries = null.split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
        #expect(entries.count == 9 - 1 + 1 && entries.last == [], "eight results, each ended by NUL")
        #expect(entries.contains(Array(newline.utf8)))
        #expect(entries.contains(Array(photos.utf8) + [UInt8(ascii: "/"), 0x62, 0x61, 0x64, 0xFF, 0xFE] + Array(".jpg".utf8)))
        // Plain --paths keeps one line per path: the newline shows as an escape.
        let plain = try vggbatch(["similar", "--paths", "--limit", "100", query]).standardOutput.split(separator: "\n")
        #expect(plain.contains { $0.hasSuffix("/new\\x0aline.jpg") })
    }

    /// A name with byte 0xFF and a name spelled with a backslash, "x", "f", "f" are two
    /// files in every machine-readable output: the exact bytes travel as base64 wherever a
    /// name is not UTF-8.
    @Test func namesThatAreNotUTF8AreNeverAmbiguous() throws {
        let invalid = Array("bad".utf8) + [0xFF] + Array("byte.jpg".utf8)
        let literal = Array("bad\\xffbyte.jpg".utf8)
        let source = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.sample("pillow-hopper.jpg")))
        for name in [invalid, literal] {
            let cPath = (Array(photos.utf8) + [UInt8(ascii: "/")] + name + [0]).map { CChar(bitPattern: $0) }
            let fd = cPath.withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
            try #require(fd >= 0)
            _ = source.withUnsafeBytes { write(fd, $0.baseAddress, source.count) }
            close(fd)
        }
        #expect(try vggbatch(["scan", photos]).status == 0)
        let invalidPath = Array(photos.utf8) + [UInt8(ascii: "/")] + invalid
        let literalPath = photos + "/" + String(decoding: literal, as: UTF8.self)
        // Each object's name: the exact bytes from path_base64 when present, else its path.
        func name(_ object: [String: Any], _ key: String = "path") -> [UInt8]? {
            if let encoded = object[key + "_base64"] as? String { return Data(base64Encoded: encoded).map { Array($0) } }
            return (object[key] as? String).map { Array($0.utf8) }
        }
        let exported = try exported().compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let names = exported.compactMap { name($0) }
        #expect(names.contains(invalidPath) && names.contains(Array(literalPath.utf8)) && Set(names).count == names.count, "\(names)")
        let query = photos + "/" + Self.samples[0]
        let similar = try #require(try JSONSerialization.jsonObject(with: Data(try vggbatch(["similar", "--json", "--feature", "fc7", "--limit", "100", query]).standardOutputBytes)) as? [String: Any])
        let found = (similar["results"] as? [[String: Any]] ?? []).compactMap { name($0) }
        #expect(found.contains(invalidPath) && found.contains(Array(literalPath.utf8)))
        let duplicates = try #require(try JSONSerialization.jsonObject(with: Data(try vggbatch(["duplicates", "--json", "--exact-only"]).standardOutputBytes)) as? [String: Any])
        let copies = ((duplicates["exact"] as? [[String: Any]])?.first?["files"] as? [[String: Any]] ?? []).compactMap { name($0) }
        #expect(Set(copies) == [invalidPath, Array(literalPath.utf8), Array((photos + "/" + Self.samples[0]).utf8)], "\(copies)")
        // CSV: the path_base64 column is filled for the name that is not UTF-8 only.
        let csv = try vggbatch(["export", "--format", "csv"]).standardOutput.split(separator: "\n")
        #expect(csv.first?.hasPrefix("path,path_base64,") == true)
        #expect(csv.dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[1].isEmpty == false }.count == 1)
    }

    /// A folder or photo named with a byte that is not UTF-8, given on the command line, is
    /// the file it names (a program gets its arguments with such bytes replaced).
    @Test func namesThatAreNotUTF8CanBeGivenOnTheCommandLine() throws {
        let folder = Array(directory.path("x").utf8) + [0xFF] + Array("y".utf8)
        #expect(mkdir(folder.map { CChar(bitPattern: $0) } + [0], 0o755) == 0)
        let photo = folder + Array("/p.jpg".utf8)
        let source = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.sample("pillow-hopper.jpg")))
        let fd = (photo.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
        try #require(fd >= 0)
        _ = source.withUnsafeBytes { write(fd, $0.baseAddress, source.count) }
        close(fd)
        // The shell hands vggbatch the raw byte (printf '\377').
        func raw(_ script: String) throws -> CommandResult {
            try CommandRunner.run(
                URL(fileURLWithPath: "/bin/sh"), ["-c", script, FixturePaths.vggbatchExecutable.path, directory.path("x")], environment: environment)
        }
        let scanned = try raw(#"exec "$0" scan "$1$(printf '\377')y""#)
        #expect(scanned.status == 0 && scanned.standardError.contains("1 new"), "\(scanned.standardError)")
        let shown = try raw(#"exec "$0" show "$1$(printf '\377')y/p.jpg""#)
        #expect(shown.status == 0 && shown.standardOutput.contains("status       ok"), "\(shown.standardOutput)\(shown.standardError)")
        let similar = try raw(#"exec "$0" similar --json --under="$1$(printf '\377')y" "$1$(printf '\377')y/p.jpg""#)
        #expect(similar.status == 0, "\(similar.standardError)")
        // Lines about the file carry its exact bytes beside a readable path.
        let classified = try raw(#"exec "$0" classify --json "$1$(printf '\377')y/p.jpg""#)
        let line = try #require(try JSONSerialization.jsonObject(with: classified.standardOutputBytes) as? [String: Any], "\(classified.standardError)")
        #expect((line["path"] as? String)?.hasSuffix("x\\xffy/p.jpg") == true)
        #expect((line["path_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init) == photo)
        // An output file named so is written under that name.
        let exported = try raw(#"exec "$0" export --format npy --output "$1$(printf '\377')y.npy""#)
        #expect(exported.status == 0, "\(exported.standardError)")
        let named = folder + Array(".npy".utf8)
        #expect(access(named.map { CChar(bitPattern: $0) } + [0], F_OK) == 0)
        #expect(access((named + Array(".paths.txt".utf8)).map { CChar(bitPattern: $0) } + [0], F_OK) == 0)
    }

    /// On a terminal the progress bar redraws one line and ends it before anything else is
    /// printed (it once ran into the next message: "ETA 0.0ssearch data updated").
    @Test func theProgressBarEndsItsLineOnATerminal() throws {
        // util-linux's script runs the scan on a pseudo-terminal and copies what it draws.
        let script = "/usr/bin/script"
        try #require(FileManager.default.isExecutableFile(atPath: script), "bsdutils (Essential in Debian) provides script")
        let command = "\(FixturePaths.vggbatchExecutable.path) scan \(photos)"
        let drawn = try CommandRunner.run(URL(fileURLWithPath: script), ["-qec", command, "/dev/null"], environment: environment)
        #expect(drawn.status == 0, "\(drawn.standardOutput)")
        let text = drawn.standardOutput
        #expect(text.contains("\r\u{1B}[K[") && text.contains("6/6 files"), "no bar drawn: \(text)")
        for message in ["search data updated", "6 new, "] {
            let found = try #require(text.range(of: message), "\(message) not in \(text)")
            #expect(found.lowerBound == text.startIndex || text[text.index(before: found.lowerBound)].isNewline, "\(message) does not start a line: \(text)")
        }
    }

    @Test func exportFormatsAndModelsSideBySide() throws {
        _ = try vggbatch(["scan", photos])
        let other = directory.path("other.safetensors")
        _ = try vggbatch(["weights", "random", "--tiny", "--seed", "6", "--output", other])
        let refused = try vggbatch(["scan", "--json", "--weights", other, photos])
        #expect(refused.status == 2 && refused.standardError.contains("--add-model"), "\(refused.standardError)")
        let second = try vggbatch(["scan", "--json", "--add-model", "--weights", other, photos])
        // Same files, new results for the second model: unchanged files, all computed for it.
        let counts = try summary(second)
        #expect(counts["new"] as? Int == 0 && counts["unchanged"] as? Int == 6 && counts["computed"] as? Int == 6 && counts["model"] as? Int == 2)
        #expect(second.standardError.contains("6 computed for model 2"), "\(second.standardError)")
        let status = try vggbatch(["status", "--json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        #expect((object["models"] as? [[String: Any]])?.count == 2)
        #expect((object["models"] as? [[String: Any]])?.allSatisfy { $0["images"] as? Int == 6 } == true)

        let csv = try vggbatch(["export", "--format", "csv"]).standardOutput.split(separator: "\n")
        #expect(csv.count == 7)
        #expect(csv.first?.hasPrefix("path,path_base64,top1_index,top1_wnid,top1_label,top1_probability") == true)
        let npy = directory.path("features.npy")
        let result = try vggbatch(["export", "--format", "npy", "--output", npy])
        #expect(result.status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: npy))
        #expect(data.count == 128 + 6 * 32 * 4)
        #expect(String(decoding: data[10..<128], as: UTF8.self).contains("'shape': (6, 32)"))
        let paths = try String(contentsOfFile: npy + ".paths.txt", encoding: .utf8).split(separator: "\n")
        #expect(paths.count == 6)
    }

    @Test func databaseProblemsAreOneLine() throws {
        let text = directory.path("not-a-db.sqlite")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        let notDB = try vggbatch(["scan", "--db", text, photos])
        #expect(try Data(contentsOf: URL(fileURLWithPath: text)) == Data("hello".utf8), "nothing written")
        #expect(!FileManager.default.fileExists(atPath: text + "-wal"))
        #expect(notDB.status == 2)
        #expect(notDB.standardError.split(separator: "\n").count == 1, "\(notDB.standardError)")
        #expect(notDB.standardError.contains("not a vggbatch index") || notDB.standardError.contains("not an SQLite database"))

        let noDirectory = try vggbatch(["scan", "--db", "/nonexistent/dir/index.sqlite", photos])
        #expect(noDirectory.status == 2)
        #expect(noDirectory.standardError.contains("does not exist"))

        _ = try vggbatch(["scan", photos])
        let connection = try SQLiteConnection(path: database, readOnly: false, create: false)
        try connection.execute("INSERT INTO schema_migration (identifier, applied_at) VALUES ('9999_future', 'now')")
        connection.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let newer = try vggbatch(["scan", photos])
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before, "nothing written")
        #expect(newer.status == 2)
        #expect(newer.standardError.contains("newer vggbatch"))
        let reader = try vggbatch(["status"])
        #expect(reader.status == 2 && reader.standardError.contains("newer vggbatch"))
    }

    /// An index on a read-only medium: a scan is refused in one line before anything is
    /// written, and the reading commands still answer.
    @Test func readOnlyDatabaseIsRefusedAndStillReadable() throws {
        let shelf = directory.path("shelf")
        try FileManager.default.createDirectory(atPath: shelf, withIntermediateDirectories: true)
        let index = shelf + "/index.sqlite"
        #expect(try vggbatch(["scan", "--db", index, photos]).status == 0)
        let expected = try vggbatch(["export", "--db", index, "--format", "jsonl"]).standardOutput
        // An archived index is the database file alone: no -wal or -shm beside it, and its
        // folder cannot be written, so they cannot be made either.
        let writer = try SQLiteConnection(path: index, readOnly: false, create: false)
        try writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.close()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        let before = try Data(contentsOf: URL(fileURLWithPath: index))

        let readOnly = try #require(ReadOnlyDirectory(shelf), "cannot make a read-only directory here")
        defer { readOnly.restore() }
        try #require(readOnly.isReadOnly)
        let scan = try vggbatch(["scan", "--db", index, photos])
        #expect(scan.status == 2)
        #expect(scan.standardError.split(separator: "\n").count == 1, "\(scan.standardError)")
        #expect(scan.standardError.contains("cannot write to \(index): it is read-only"), "\(scan.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: index)) == before, "nothing written")

        let export = try vggbatch(["export", "--db", index, "--format", "jsonl"])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput == expected)
        let status = try vggbatch(["status", "--db", index])
        #expect(status.status == 0, "\(status.standardError)")
        let photo = photos + "/" + Self.samples[0]
        let similar = try vggbatch(["similar", "--db", index, "--paths", photo])
        #expect(similar.status == 0, "\(similar.standardError)")
        #expect(similar.standardOutput.split(separator: "\n").count == Self.samples.count - 1)
        for reader in [["show", photo], ["duplicates"], ["roots"], ["status", "--failed"], ["report", "--output", directory.path("report")]] {
            let result = try vggbatch(reader + ["--db", index])
            #expect(result.status == 0, "\(reader): \(result.standardError)")
        }
        // Only the commands that write refuse, in one line.
        for writer in [["prune"], ["roots", "remove", "--yes", photos]] {
            let result = try vggbatch(writer + ["--db", index])
            #expect(result.status == 2 && result.standardError == "vggbatch: error: cannot write to \(index): it is read-only\n", "\(writer): \(result.standardError)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: index)) == before, "nothing written")
        #expect(!FileManager.default.fileExists(atPath: index + "-wal"))
    }

    /// A second Ctrl-C ends the scan at once, but the run is still recorded as interrupted;
    /// a scan killed outright is shown as interrupted too (its lock is gone).
    @Test func interruptedRunsAreNeverLeftRunning() throws {
        for i in 0..<40 {
            try FileManager.default.copyItem(atPath: FixturePaths.sample("sklearn-china.jpg"), toPath: directory.path("photos/c\(i).jpg"))
        }
        for signals in [[SIGINT, SIGINT], [SIGKILL]] {
            try? FileManager.default.removeItem(atPath: database)
            let process = try CommandRunner.start(["scan", "--batch-size", "1", photos], environment: environment)
            try #require(waitForRunningScan(), "the scan did not start")
            Thread.sleep(forTimeInterval: 0.2)
            for signal in signals { kill(process.processIdentifier, signal) }
            process.waitUntilExit()
            let status = try #require(JSONSerialization.jsonObject(with: Data(try vggbatch(["status", "--json"]).standardOutput.utf8)) as? [String: Any])
            #expect((status["last_scan"] as? [String: Any])?["status"] as? String == "interrupted", "\(signals): \(status)")
            if signals == [SIGINT, SIGINT] {
                #expect(process.terminationStatus == 130)
                // Recorded in the index itself, not only inferred from the free lock.
                let connection = try SQLiteConnection(path: database, readOnly: true, create: false)
                #expect(try connection.query("SELECT status FROM scan_run") == [[.text("interrupted")]])
            }
        }
    }

    /// Waits (up to 20 s) until the index records a running scan.
    func waitForRunningScan() -> Bool {
        for _ in 0..<200 {
            if let connection = try? SQLiteConnection(path: database, readOnly: true, create: false),
                (try? connection.query("SELECT COUNT(*) FROM scan_run WHERE status = 'running'")) == [[.integer(1)]]
            {
                return true
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}

/// Command results gathered from several threads.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CommandResult?] = []

    func add(_ result: CommandResult?) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }

    var all: [CommandResult?] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
