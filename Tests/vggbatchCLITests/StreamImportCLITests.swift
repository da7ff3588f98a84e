import Foundation
import Testing
import _VGGTestSupport

/// `classify --files-from` as a job scheduler's pipe sees it (paths in as they come, one
/// JSON line out per path, bad files as lines, flat memory), and `import`, which brings the
/// lines back into an index equal to a scan's.
@Suite("classify --files-from and import")
struct StreamImportCLITests {
    let directory = TemporaryDirectory()
    var photos: String { directory.path("photos") }
    var weights: String { directory.path("tiny.safetensors") }
    var otherWeights: String { directory.path("other.safetensors") }
    var environment: [String: String] { ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_OFFLINE": "1"] }

    static let names = ["pillow-hopper.jpg", "ljt-testorig.jpg", "skimage-coins.png", "libpng-toucan.png", "sklearn-china.jpg", "skimage-chelsea.png"]

    init() throws {
        try FileManager.default.createDirectory(atPath: directory.path("photos/sub"), withIntermediateDirectories: true)
        for (number, name) in Self.names.enumerated() {
            let place = number % 2 == 0 ? "photos/\(name)" : "photos/sub/\(name)"
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path(place))
        }
        for (seed, output) in [("5", weights), ("6", otherWeights)] {
            let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", seed, "--output", output])
            precondition(result.status == 0, result.standardError)
        }
    }

    func vggbatch(_ arguments: [String], input: String? = nil) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment, input: input.map { Data($0.utf8) })
    }

    func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// The scan's files, as `vggbatch list` prints them.
    func listed() throws -> String {
        let list = try vggbatch(["list", photos])
        #expect(list.status == 0, "\(list.standardError)")
        return list.standardOutput
    }

    func exported(_ db: String) throws -> String {
        let export = try vggbatch(["export", "--db", db, "--features", "--format", "jsonl"])
        #expect(export.status == 0, "\(export.standardError)")
        return export.standardOutput
    }

    @Test func aSlowProducerGetsEachResultBeforeItsInputEnds() throws {
        let process = Process()
        process.executableURL = FixturePaths.vggbatchExecutable
        process.arguments = ["classify", "--files-from", "-", "--weights", weights]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lines = LineCollector(output.fileHandleForReading)
        for (count, name) in ["pillow-hopper.jpg", "sub/ljt-testorig.jpg"].enumerated() {
            input.fileHandleForWriting.write(Data((directory.path("photos/\(name)") + "\n").utf8))
            // The line comes while the input is still open.
            #expect(lines.wait(for: count + 1, seconds: 120), "no result for \(name) while the input stayed open")
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let got = try lines.all().map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(got.compactMap { $0["path"] as? String } == [directory.path("photos/pillow-hopper.jpg"), directory.path("photos/sub/ljt-testorig.jpg")])
    }

    @Test func everyPathGetsOneLineAndABadFileIsAnErrorLine() throws {
        try FileManager.default.copyItem(atPath: FixturePaths.imaging("generated/truncated-baseline.jpg"), toPath: directory.path("broken.jpg"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: directory.path("notes.jpg")))
        let paths = try listed() + [directory.path("broken.jpg"), directory.path("notes.jpg"), directory.path("gone.jpg")].joined(separator: "\n")
        let result = try vggbatch(["classify", "--files-from", "-", "--weights", weights, "--features"], input: paths)
        #expect(result.status == 0, "a bad file fails its line, not the process: \(result.standardError)")
        let lines = try objects(result.standardOutput)
        #expect(lines.count == 9)
        #expect(Set(lines.compactMap { $0["path"] as? String }) == Set(paths.split(separator: "\n").map(String.init)))
        let errors = lines.filter { $0["error"] != nil }
        #expect(Set(errors.compactMap { $0["path"] as? String }) == [directory.path("broken.jpg"), directory.path("notes.jpg"), directory.path("gone.jpg")])
        #expect(errors.allSatisfy { ($0["error"] as? String ?? "").isEmpty == false && $0["fc7"] == nil })
        for line in lines where line["error"] == nil {
            #expect((line["fingerprint"] as? String)?.count == 64)
            #expect((line["fc7"] as? [Double])?.count == 32 && (line["top"] as? [Any])?.count == 5)
            let model = try #require(line["model"] as? [String: Any])
            #expect((model["weights_sha256"] as? String)?.count == 64 && model["preprocessing"] as? String == "torch" && model["resize"] as? String == "squash")
            let size = try #require(line["size"] as? Int)
            let path = try #require(line["path"] as? String)
            #expect(size == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        }
        // The same numbers as one classify call on the files.
        let hopper = directory.path("photos/pillow-hopper.jpg")
        let direct = try objects(try vggbatch(["classify", "--json", "--features", "--weights", weights, hopper]).standardOutput)
        let streamed = try #require(lines.first { $0["path"] as? String == hopper })
        #expect((direct.first?["fc7"] as? [Double]) == (streamed["fc7"] as? [Double]))
        // A list that cannot be read at all is a failure of the process.
        let unreadable = try vggbatch(["classify", "--files-from", directory.path("no-list"), "--weights", weights])
        #expect(unreadable.status == 2 && unreadable.standardError.contains("cannot open the list of files"))
    }

    @Test func nulSeparatedPathsMayHoldNewlines() throws {
        let odd = directory.path("photos/two\nlines.png")
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coins.png"), toPath: odd)
        let input = [odd, directory.path("photos/pillow-hopper.jpg")].joined(separator: "\0") + "\0"
        let result = try vggbatch(["classify", "--files-from", "-", "--null", "--weights", weights], input: input)
        #expect(result.status == 0)
        let lines = try objects(result.standardOutput)
        #expect(Set(lines.compactMap { $0["path"] as? String }) == [odd, directory.path("photos/pillow-hopper.jpg")])
        #expect(lines.allSatisfy { $0["error"] == nil })
        // `list --null` lists it too; without --null it is left out with a reason.
        let list = try vggbatch(["list", "--null", photos])
        #expect(list.standardOutput.split(separator: "\0").contains(Substring(odd)))
        let plain = try vggbatch(["list", photos])
        #expect(plain.status == 1 && plain.standardError.contains("use --null"))
    }

    @Test func memoryStaysFlatWhateverTheInputLength() throws {
        // Mostly files that fail at once (the network is slow in a debug build), some images.
        // Long paths, so that anything kept per path would show.
        let folder = directory.path(String(repeating: "a-long-folder-name/", count: 12))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixturePaths.imaging("bad/pngsuite/basn2c08.png"), toPath: folder + "small.png")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "text.jpg"))
        func peak(_ count: Int) throws -> Int {
            let list = (0..<count).map { $0 % 100 == 0 ? folder + "small.png" : folder + "text.jpg" }.joined(separator: "\n")
            let result = try vggbatch(["classify", "--files-from", "-", "--weights", weights, "--verbose"], input: list)
            #expect(result.status == 0)
            #expect(result.standardOutput.split(separator: "\n").count == count)
            let line = try #require(result.standardError.split(separator: "\n").first { $0.contains("peak RSS") })
            let megabytes = try #require(line.split(separator: " ").dropLast().last.flatMap { Int($0) })
            return megabytes
        }
        let short = try peak(5_000)
        let long = try peak(100_000)
        #expect(long <= short + 10, "peak RSS \(short) MB for 5,000 paths, \(long) MB for 100,000")
    }

    @Test func importEqualsAScanAndTwiceIsOnce() throws {
        let result = try vggbatch(["classify", "--files-from", "-", "--weights", weights, "--features-encoding", "base64-f32"], input: try listed())
        #expect(result.status == 0)
        // As Spark writes it: a folder of part files, one of them compressed.
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: true)
        let parts = directory.path("results")
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
        try Data((lines[..<3].joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: parts + "/part-00000"))
        try Data((lines[3...].joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: parts + "/part-00001"))
        try Data().write(to: URL(fileURLWithPath: parts + "/_SUCCESS"))
        let gzip = try CommandRunner.run(URL(fileURLWithPath: "/bin/gzip"), [parts + "/part-00001"])
        #expect(gzip.status == 0)

        let imported = directory.path("imported.sqlite")
        let first = try vggbatch(["import", parts, "--db", imported])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("6 lines: 6 new, 0 changed, 0 unchanged, 0 failed"), "\(first.standardOutput)")
        let again = try vggbatch(["import", parts, "--db", imported])
        #expect(again.standardOutput.contains("6 lines: 0 new, 0 changed, 6 unchanged, 0 failed"), "\(again.standardOutput)")

        let scanned = directory.path("scanned.sqlite")
        #expect(try vggbatch(["scan", photos, "--db", scanned, "--weights", weights]).status == 0)
        #expect(try exported(imported) == exported(scanned))
        // The next scan of the imported index finds nothing to do; the root is the scan's.
        let rescan = try vggbatch(["scan", photos, "--db", imported, "--weights", weights, "--json"])
        let summary = try #require(try objects(rescan.standardOutput).last)
        #expect(summary["computed"] as? Int == 0 && summary["unchanged"] as? Int == 6, "\(summary)")
        #expect(try vggbatch(["roots", "--db", imported]).standardOutput.contains(photos))
    }

    /// Lines carry GeM and R-MAC beside fc7; lines without them still import (the next scan
    /// fills them in), and descriptors of the wrong length or not of unit length are refused.
    @Test func descriptorsInLinesAreOptionalAndChecked() throws {
        let result = try vggbatch(["classify", "--files-from", "-", "--weights", weights, "--features"], input: try listed())
        var lines = try objects(result.standardOutput)
        #expect(lines.allSatisfy { ($0["gem"] as? [Double])?.count == 16 && ($0["rmac"] as? [Double])?.count == 16 })
        func text(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        lines[0].removeValue(forKey: "gem")
        lines[0].removeValue(forKey: "rmac")
        var lone = lines[1]
        lone.removeValue(forKey: "rmac")
        var short = lines[2]
        short["rmac"] = Array((short["rmac"] as? [Double] ?? []).prefix(15))
        var long = lines[3]
        long["gem"] = (long["gem"] as? [Double] ?? []).map { $0 * 2 }
        let file = directory.path("checked.jsonl")
        try Data(try [lines[0], lone, short, long, lines[4], lines[5]].map(text).joined(separator: "\n").utf8)
            .write(to: URL(fileURLWithPath: file))
        let db = directory.path("checked.sqlite")
        let imported = try vggbatch(["import", file, "--db", db])
        #expect(imported.standardOutput.contains("6 lines: 3 new"), "\(imported.standardOutput)")
        for reason in ["\"gem\" without \"rmac\"", "15 rmac values where the model has 16", "\"gem\" is not a unit vector"] {
            #expect(imported.standardError.contains(reason), "\(imported.standardError)")
        }
        // The line without descriptors imported its fc7; default searches on descriptors say so and use fc7.
        let duplicates = try vggbatch(["duplicates", "--db", db])
        #expect(duplicates.status == 0 && duplicates.standardError.contains("1 indexed image has no rmac descriptor yet; comparing fc7"),
                "\(duplicates.standardError)")
        let again = try vggbatch(["import", file, "--db", db])
        #expect(again.standardOutput.contains("0 new, 0 changed, 3 unchanged"), "\(again.standardOutput)")
    }

    @Test func linesOfAnotherModelAreRefusedWithACount() throws {
        let paths = try listed().split(separator: "\n").map(String.init)
        var text = ""
        for (index, model) in [weights, otherWeights].enumerated() {
            let half = paths[(index * 3)..<(index * 3 + 3)].joined(separator: "\n")
            let result = try vggbatch(["classify", "--files-from", "-", "--weights", model, "--features"], input: half)
            #expect(result.status == 0)
            text += result.standardOutput
        }
        let file = directory.path("mixed.jsonl")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let db = directory.path("index.sqlite")
        let first = try vggbatch(["import", file, "--db", db])
        #expect(first.status == 1)
        #expect(first.standardError.contains("refused 3 lines of another model"), "\(first.standardError)")
        let otherSHA = try #require(try objects(text).last?["model"] as? [String: Any])["weights_sha256"] as? String
        let second = try vggbatch(["import", file, "--db", db, "--model", String(try #require(otherSHA).prefix(12))])
        #expect(second.status == 1 && second.standardOutput.contains("3 new"), "\(second.standardOutput)")
        let status = try #require(try objects(try vggbatch(["status", "--json", "--db", db]).standardOutput).first)
        #expect(status["ok"] as? Int == 6)
        let bad = try vggbatch(["import", file, "--db", db, "--model", "xyz"])
        #expect(bad.status == 64)
    }

    @Test func aFileChangedSinceItsLineIsRecomputedByTheNextScan() throws {
        let result = try vggbatch(["classify", "--files-from", "-", "--weights", weights, "--features"], input: try listed())
        let file = directory.path("results.jsonl")
        try Data(result.standardOutput.utf8).write(to: URL(fileURLWithPath: file))
        // Replaced after it was computed, before the import.
        let changed = directory.path("photos/pillow-hopper.jpg")
        try FileManager.default.removeItem(atPath: changed)
        try FileManager.default.copyItem(atPath: FixturePaths.sample("mpl-grace_hopper.jpg"), toPath: changed)
        let db = directory.path("index.sqlite")
        let imported = try vggbatch(["import", file, "--db", db])
        #expect(imported.status == 0)
        #expect(imported.standardOutput.contains("1 file differ"), "\(imported.standardOutput)")
        let scan = try vggbatch(["scan", photos, "--db", db, "--weights", weights, "--json"])
        let summary = try #require(try objects(scan.standardOutput).last)
        #expect(summary["computed"] as? Int == 1 && summary["unchanged"] as? Int == 5, "\(summary)")
        let scanned = directory.path("scanned.sqlite")
        #expect(try vggbatch(["scan", photos, "--db", scanned, "--weights", weights]).status == 0)
        #expect(try exported(db) == exported(scanned))
    }

    @Test func aKilledImportLosesNothingAndFinishesWhenRunAgain() throws {
        // Many distinct files from one real line (the files need not exist here: stale rows).
        let line = try #require(try vggbatch(
            ["classify", "--weights", weights, "--json", "--features", directory.path("photos/pillow-hopper.jpg")]).standardOutput.split(separator: "\n").first)
        let model = try #require(try vggbatch(
            ["classify", "--files-from", "-", "--weights", weights], input: directory.path("photos/pillow-hopper.jpg")).standardOutput.split(separator: "\n").first)
        let identity = try #require(String(model).range(of: "\"model\": ").map { String(String(model)[$0.lowerBound...].dropLast()) })
        let fc7 = try #require(String(line).range(of: "\"fc7\": ").map { String(String(line)[$0.lowerBound...].dropLast()) })
        try FileManager.default.createDirectory(atPath: directory.path("many"), withIntermediateDirectories: true)
        let count = 40_000
        var text = ""
        for number in 0..<count {
            text += "{\"path\": \"\(directory.path("many/img\(number).jpg"))\", \"size\": \(1000 + number), \"mtime_ns\": 1, "
            text += "\"fingerprint\": \"\(String(repeating: "ab", count: 32))\", \"width\": 10, \"height\": 10, \"top\": [{\"index\": 1, \"probability\": 0.5}], "
            text += fc7 + ", " + identity + "}\n"
        }
        let file = directory.path("many.jsonl")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let db = directory.path("killed.sqlite")
        let process = try CommandRunner.start(["import", file, "--db", db], environment: environment)
        // Killed once some batches are in.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning {
            if let status = try? objects(try vggbatch(["status", "--json", "--db", db]).standardOutput).first, (status["ok"] as? Int ?? 0) > 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the import ended before it could be killed")
        let partial = try #require(try objects(try vggbatch(["status", "--json", "--db", db]).standardOutput).first)
        #expect((partial["ok"] as? Int ?? 0) > 0 && (partial["ok"] as? Int ?? 0) < count, "\(partial)")
        let finished = try vggbatch(["import", file, "--db", db])
        #expect(finished.status == 0, "\(finished.standardError)")
        let whole = directory.path("whole.sqlite")
        #expect(try vggbatch(["import", file, "--db", whole]).status == 0)
        #expect(try exported(db) == exported(whole))
        let status = try #require(try objects(try vggbatch(["status", "--json", "--db", db]).standardOutput).first)
        #expect(status["ok"] as? Int == count)
    }
}

/// Collects the lines a child writes, as they come.
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = Data()
    private var lines: [String] = []

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty {
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer = Data(buffer[(newline + 1)...])
                }
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.start()
    }

    /// Waits until `count` lines have come; false after `seconds`.
    func wait(for count: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while lines.count < count {
            if !condition.wait(until: deadline) { return lines.count >= count }
        }
        return true
    }

    func all() -> [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }
}
