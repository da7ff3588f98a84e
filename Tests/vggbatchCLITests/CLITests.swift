import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

/// Runs the built `vggbatch` binary and checks what a user sees: help, exit codes, output.
@Suite("vggbatch command line")
struct CLITests {
    @Test func rootHelpListsCommands() throws {
        let result = try CommandRunner.vggbatch(["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE: vggbatch <subcommand>"))
        // Help text is wrapped to the terminal: compare it with its line breaks folded.
        let folded = result.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(folded.contains("SQLite or PostgreSQL") && !folded.contains("features in SQLite."))
        for status in ["0 on success", "1 when", "2 when", "64 for a bad command line", "130 when"] {
            #expect(folded.contains(status), "help lacks exit status \(status)")
        }
        for command in ["classify", "inspect", "weights", "bench"] {
            #expect(result.standardOutput.contains(command))
        }
    }

    /// The release and the git revision the binary was built from.
    @Test func versionNamesTheRevision() throws {
        let result = try CommandRunner.vggbatch(["--version"])
        #expect(result.status == 0)
        let version = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.wholeMatch(of: /0\.2\.0 \(([0-9a-f]{12}(-dirty)?|unknown)\)/) != nil, "\(version)")
    }

    @Test(arguments: [["inspect", "--help"], ["help", "inspect"]])
    func inspectHelpDescribesEveryOption(_ arguments: [String]) throws {
        let result = try CommandRunner.vggbatch(arguments)
        #expect(result.status == 0)
        let help = result.standardOutput
        for option in ["--resize", "--max-pixels", "--no-dct-scaling", "--dump-resized", "--json", "<image>"] {
            #expect(help.contains(option), "help lacks \(option)")
        }
        // Every option line carries a description: no option is left undocumented.
        let optionLines = help.split(separator: "\n").filter { $0.hasPrefix("  -") || $0.hasPrefix("  <") }
        for line in optionLines where !line.contains("--help") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(words.count > 2 || help.contains(String(line) + "\n      "), "undocumented: \(line)")
        }
    }

    @Test(arguments: [
        (["inspect", "--bogus", "x.jpg"], "Unknown option '--bogus'"),
        (["inspect", "--resize", "stretch", "x.jpg"], "--resize"),
        (["inspect", "--max-pixels", "0", "x.jpg"], "--max-pixels must be at least 1"),
        (["inspect"], "Missing expected argument"),
        (["similar", "--limit", "-1", "x.jpg"], "--limit must be 1...100000, got -1"),
        (["scan", "--threads", "-2", "x"], "--threads must be 1...256, got -2"),
        (["similar", "--null", "x.jpg"], "--null goes with --paths"),
        (["frobnicate"], "frobnicate"),
        (["bench", "--random-weights", "--isa", "sse"], "--isa sse: expected one of avx512-bf16, avx512, avx2, avx512-on-avx2, portable"),
        (["status", "--db", ""], "--db is empty"),
        (["status", "--db", "mysql://x@y/z"], "mysql:// is not a database vggbatch uses"),
        (["status", "--db", "/tmp"], "--db /tmp is a folder; give the index file in it, e.g. /tmp/index.sqlite"),
        (["scan", "--db", "/tmp", "/tmp"], "--db /tmp is a folder"),
        (["work", "--db-retry", "5x"], "give a time up to a week as 10m, 90s, 1h or a number of seconds"),
        (["scan", "--db-retry=-1", "/tmp"], "give a time up to a week"),
        (["scan", "--db-retry", "-5", "/tmp"], "give a time up to a week"),
        (["import", "--db-retry", "1e3", "x.jsonl"], "give a time up to a week"),
        (["work", "--db-retry", "8d"], "give a time up to a week"),
        (["work", "--claim", "0"], "--claim must be 1...4096 files, got 0"),
    ])
    func badCommandLinesExit64WithOneLine(_ arguments: [String], _ fragment: String) throws {
        let result = try CommandRunner.vggbatch(arguments)
        #expect(result.status == 64)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test func inspectDescribesSamples() throws {
        let result = try CommandRunner.vggbatch(["inspect", FixturePaths.sample("exiforient-Landscape_6.jpg")])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("stored size   1200x1800"))
        #expect(result.standardOutput.contains("orientation   6"))
        #expect(result.standardOutput.contains("upright size  1800x1200"))
        #expect(result.standardOutput.contains("DCT scale 1/2"))
    }

    @Test func failedFileExits1AndOthersStillReport() throws {
        let bad = FixturePaths.imaging("generated/text-named.jpg")
        let good = FixturePaths.sample("pillow-hopper.jpg")
        let result = try CommandRunner.vggbatch(["inspect", bad, good])
        #expect(result.status == 1)
        #expect(result.standardError == "\(bad): error: not a JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW file (starts with 74 68 69 73 20 69 73 20)\n")
        #expect(result.standardOutput.contains(good))
    }

    @Test func jsonLinesCarryResultsAndErrors() throws {
        let bad = FixturePaths.imaging("generated/bomb-png-ihdr-100000.png")
        let good = FixturePaths.sample("libpng-toucan.png")
        let result = try CommandRunner.vggbatch(["inspect", "--json", good, bad])
        #expect(result.status == 1)
        let lines = result.standardOutput.split(separator: "\n").map { String($0) }
        try #require(lines.count == 2)
        let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["path"] as? String == good)
        #expect(first["format"] as? String == "png")
        #expect(first["color_model"] as? String == "palette")
        #expect(first["has_alpha"] as? Bool == true)
        #expect(first["stored_width"] as? Int == 162)
        let second = try #require(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["path"] as? String == bad)
        #expect(second["error_kind"] as? String == "too-large")
        #expect((second["error"] as? String)?.contains("100000x100000") == true)
    }

    @Test(arguments: ["squash", "center-crop"])
    func dumpResizedWritesTheNetworkView(_ policy: String) throws {
        let directory = TemporaryDirectory()
        let output = directory.path("view.png")
        let source = FixturePaths.sample("skimage-chelsea.png")
        let result = try CommandRunner.vggbatch(["inspect", source, "--resize", policy, "--dump-resized", output])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("wrote         \(output)"))
        let written = try ImageDecoder.decode(contentsOf: output).image
        let expected = try ImagePreparation(policy: ResizePolicy(rawValue: policy) ?? .squash).prepare(contentsOf: source).resized
        #expect(written == expected)
    }

    /// Two inputs with the same file name from different folders get a view each.
    @Test func dumpResizedNeverOverwritesAnotherInputsView() throws {
        let directory = TemporaryDirectory()
        for folder in ["a", "b", "out"] {
            try FileManager.default.createDirectory(atPath: directory.path(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-chelsea.png"), toPath: directory.path("a/photo.png"))
        try FileManager.default.copyItem(atPath: FixturePaths.sample("skimage-coffee.png"), toPath: directory.path("b/photo.png"))
        let result = try CommandRunner.vggbatch(["inspect", directory.path("a/photo.png"), directory.path("b/photo.png"), "--dump-resized", directory.path("out")])
        #expect(result.status == 0, "\(result.standardError)")
        let first = directory.path("out/photo.224x224.png")
        let second = directory.path("out/photo-2.224x224.png")
        #expect(result.standardOutput.contains("wrote         \(first)") && result.standardOutput.contains("wrote         \(second)"))
        let chelsea = try ImagePreparation(policy: .squash).prepare(contentsOf: directory.path("a/photo.png")).resized
        let coffee = try ImagePreparation(policy: .squash).prepare(contentsOf: directory.path("b/photo.png")).resized
        #expect(try ImageDecoder.decode(contentsOf: first).image == chelsea)
        #expect(try ImageDecoder.decode(contentsOf: second).image == coffee)
    }

    /// Every command's JSON reads the same way: `{"key": value, ...}`.
    @Test func inspectJSONLooksLikeEveryOtherCommand() throws {
        let result = try CommandRunner.vggbatch(["inspect", "--json", FixturePaths.sample("pillow-hopper.jpg")])
        #expect(result.standardOutput.hasPrefix("{\"path\": \"\(FixturePaths.sample("pillow-hopper.jpg"))\", \"format\": \"jpeg\", \"stored_width\": "), "\(result.standardOutput)")
    }

    /// A default that depends on the machine is said once, in words.
    @Test func threadDefaultsAreSaidOnce() throws {
        for command in ["scan", "classify", "similar", "report"] {
            let help = try CommandRunner.vggbatch([command, "--help"]).standardOutput.replacingOccurrences(of: "\n", with: " ")
                .split(separator: " ").joined(separator: " ")
            #expect(help.contains("(default: all cores).") && !help.contains("all cores). (default:"), "\(command): \(help)")
        }
    }

    @Test func dumpResizedNeedsADirectoryForSeveralImages() throws {
        let result = try CommandRunner.vggbatch([
            "inspect", FixturePaths.sample("pillow-hopper.jpg"), FixturePaths.sample("pillow-hopper.png"),
            "--dump-resized", "/nonexistent/out.png",
        ])
        #expect(result.status == 64)
        #expect(result.standardError.contains("must name an existing directory"))
    }
}
