import VGGCommon
import ArgumentParser
import Foundation
import VGGImaging

/// The resized network input of each image, as raw bytes, for comparing preprocessing rules
/// against a reference outside vggbatch (scripts/preprocess_fidelity.py).
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Write the upright 224x224 RGB image vggbatch makes of each file, as raw bytes.",
        discussion: """
            The output holds N x 224 x 224 x 3 bytes (RGB, row-major), in the order of the \
            arguments, before any mean subtraction; a file that cannot be decoded stops the run.
            """)

    @Option(help: "DCT rule: default, off, Nx or Nx-eighths (see `imaging --help`).")
    var rule = "default"

    @Option(help: "How images become 224x224: squash or center-crop.")
    var resize = ResizePolicy.squash.rawValue

    @Option(help: "Output file.")
    var output: String

    @Argument(help: "Image files.")
    var files: [String]

    func validate() throws {
        if DCTRule(rule) == nil { throw ValidationError("--rule \(rule): expected default, off, Nx or Nx-eighths.") }
        if ResizePolicy(rawValue: resize) == nil { throw ValidationError("--resize must be squash or center-crop.") }
        if files.isEmpty { throw ValidationError("Give at least one image file.") }
    }

    func run() throws {
        guard let rule = DCTRule(rule), let policy = ResizePolicy(rawValue: resize) else { return }
        let preparation = rule.preparation(policy: policy)
        var bytes = [UInt8]()
        bytes.reserveCapacity(files.count * 224 * 224 * 3)
        for file in files {
            let prepared = try preparation.prepare(contentsOf: file)
            bytes += prepared.resized.pixels
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
            throw ValidationError("cannot write \(output)")
        }
    }
}
