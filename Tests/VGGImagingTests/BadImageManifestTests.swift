import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

/// Every file listed in `Fixtures/bad/MANIFEST.md` (copied with the corpus) gets the outcome
/// its "Expected" column asks for: DECODE and DECODE-W decode at the size libpng/libjpeg
/// observed, REJECT fails with an `ImagingError`. Where the manifest leaves the choice to
/// us (POLICY), the choice is written in `policy` below.
@Suite("Bad-image corpus")
struct BadImageManifestTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        let file: String
        let expected: String
        let observed: String
        var testDescription: String { file }
    }

    enum Outcome: Equatable {
        case decode
        case reject(kind: String?)
    }

    /// Our decision for each file whose manifest entry leaves a choice.
    static let policy: [String: Outcome] = [
        // 12-bit samples need libjpeg-turbo 3's separate 12-bit API; Debian 12 ships 2.1.5.
        "libjpeg-turbo/monkey12.jpg": .reject(kind: "unsupported"),
        // Corrupt entropy-coded data: libjpeg would return a grey-smeared picture.
        "pillow/hopper_bad_exif.jpg": .reject(kind: "corrupt"),
        // The image data is complete; only a surplus IDAT after it is cut off.
        "pillow/truncated_end_chunk.png": .decode,
        // MPO files decode as their first (primary) JPEG frame; the format comes from content.
        "pillow/frozenpond.mpo": .decode,
        "pillow/sugarshack_no_data.mpo": .decode,
    ]

    static let entries: [Entry] = loadManifest()

    static func loadManifest() -> [Entry] {
        let manifest = FixturePaths.imaging("bad/MANIFEST.md")
        guard let text = try? String(contentsOfFile: manifest, encoding: .utf8) else { return [] }
        var folder = ""
        var entries = [Entry]()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## `") {
                folder = line.dropFirst(4).prefix { $0 != "`" }.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                continue
            }
            guard line.hasPrefix("| `"), !folder.isEmpty else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 7 else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            entries.append(Entry(file: "\(folder)/\(name)", expected: cells[4], observed: cells[5]))
        }
        return entries
    }

    static func outcome(for entry: Entry) -> Outcome {
        if let decided = policy[entry.file] { return decided }
        if entry.expected.hasPrefix("REJECT") {
            if entry.observed.hasPrefix("not JPEG/PNG") { return .reject(kind: "unknown-format") }
            if entry.file.contains("cgbi") { return .reject(kind: "unsupported") }
            return .reject(kind: nil)
        }
        return .decode
    }

    /// "OK 128x64" in the observed column → (128, 64).
    static func observedSize(_ observed: String) -> (Int, Int)? {
        guard let range = observed.range(of: #"OK(-WITH-WARNINGS)? (\d+)x(\d+)"#, options: .regularExpression) else { return nil }
        let parts = observed[range].split(separator: " ")[1].split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    @Test func manifestIsComplete() {
        // 243 files in the corpus; a parsing slip must not quietly shrink the test.
        #expect(Self.entries.count == 243)
        for entry in Self.entries {
            #expect(FileManager.default.fileExists(atPath: FixturePaths.imaging("bad/\(entry.file)")), "\(entry.file) is missing")
        }
    }

    @Test(arguments: entries)
    func fileHasItsExpectedOutcome(_ entry: Entry) {
        let path = FixturePaths.imaging("bad/\(entry.file)")
        let result: Result<DecodedImage, ImagingError>
        do throws(ImagingError) {
            result = .success(try ImageDecoder.decode(contentsOf: path))
        } catch {
            result = .failure(error)
        }
        switch (Self.outcome(for: entry), result) {
        case (.decode, .success(let decoded)):
            if let (width, height) = Self.observedSize(entry.observed) {
                #expect(decoded.info.storedWidth == width && decoded.info.storedHeight == height)
            }
            #expect(decoded.image.pixels.count == decoded.image.width * decoded.image.height * 3)
        case (.decode, .failure(let error)):
            Issue.record("\(entry.file) should decode but failed: \(error.reason)")
        case (.reject, .success):
            Issue.record("\(entry.file) should be rejected but decoded")
        case (.reject(let kind), .failure(let error)):
            if let kind { #expect(error.kind == kind, "\(entry.file): \(error.reason)") }
            #expect(!error.reason.isEmpty)
            #expect(error.path == path)
        }
    }
}
