import ArgumentParser
import Foundation

/// The `vggbatch` command: argument parsing and printing only; the work lives in the libraries.
@main
struct VGGBatch: ParsableCommand {
    /// The release, and the git revision the binary was built from (`RevisionStamp`).
    static let version = "0.2.0 (\(buildRevision))"

    static let configuration = CommandConfiguration(
        commandName: "vggbatch",
        abstract: "Index photo folders with VGG16: ImageNet labels, fc7 vectors and GeM/R-MAC descriptors in SQLite or PostgreSQL, searchable by similarity.",
        discussion: """
            Exit status: 0 on success, 1 when some files could not be processed or a command \
            found nothing to do what it was asked (each case is reported), 2 when a command could \
            not run (weights, database, files it needs), 64 for a bad command line, 130 when \
            interrupted (Ctrl-C; the work done is saved).
            """,
        version: version,
        subcommands: [Scan.self, Work.self, Import.self, List.self, Similar.self, Duplicates.self, Index.self, Report.self, Status.self, Roots.self, Show.self, Export.self, Prune.self, Classify.self, Inspect.self, Explain.self, Weights.self, Bench.self, GenerateIndex.self]
    )

    /// Parses and runs; a bad command line gets one line on stderr and exit status 64
    /// instead of the usage block, so scripts see a single clear reason.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            printError("vggbatch: error: \(failure.message)")
            Foundation.exit(2)
        } catch {
            let status = exitCode(for: error)
            guard status == .validationFailure else { exit(withError: error) }
            var message = self.message(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            let firstLine = message.split(separator: "\n").first.map(String.init) ?? message
            printError("vggbatch: \(firstLine) (see 'vggbatch help')")
            Foundation.exit(status.rawValue)
        }
    }
}
