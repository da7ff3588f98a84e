import VGGIndexTypes
import ArgumentParser
import Foundation
import VGGCommon
import VGGPipeline

extension VGGBatch {
    /// `vggbatch list`: the files a scan of these folders would consider.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the image files a scan of the folders would consider, one absolute path per line.",
            discussion: """
                The same walk as `vggbatch scan` (extensions, hidden files and folders, system \
                and report folders, symbolic links), without an index: the input of \
                `vggbatch classify --files-from` on other machines (a Spark job, a job array), so \
                that what `vggbatch import` brings back is what a scan would have stored. Places \
                the walk could not enter are reported on standard error; exit status 1 then.
                """)

        @Argument(help: ArgumentHelp("Folders to walk.", valueName: "folder"))
        var directories: [String]

        @Flag(help: "Separate the paths with NUL bytes instead of newlines (for names holding a newline).")
        var null = false

        @OptionGroup var walk: WalkArguments

        func validate() throws {
            if directories.isEmpty { throw ValidationError("Give at least one folder.") }
        }

        func run() throws {
            try WalkArguments.requireFolders(directories, fileHint: "")
            let options = walk.options
            let separator: UInt8 = null ? 0 : UInt8(ascii: "\n")
            var problems = 0
            var out = [UInt8]()
            for root in PathBytes.outermost(directories.map(PathBytes.absolute)) {
                let walker: DirectoryWalker
                do {
                    walker = try DirectoryWalker(root: root, options: options)
                } catch {
                    throw CommandFailure("\(PathBytes.display(root)): \(error.reason)")
                }
                for entry in walker {
                    switch entry.kind {
                    case .file:
                        if !null && entry.absolutePath.contains(UInt8(ascii: "\n")) {
                            problems += 1
                            printError("\(entry.displayAbsolutePath): left out, the name holds a newline (use --null)")
                            continue
                        }
                        out += entry.absolutePath
                        out.append(separator)
                        if out.count > 1 << 16 {
                            try StandardOutput.write(bytes: out)
                            out.removeAll(keepingCapacity: true)
                        }
                    case .unreadable(let reason):
                        problems += 1
                        printError("\(entry.displayAbsolutePath): \(reason)")
                    case .skipped, .unsupportedFormat:
                        continue
                    }
                }
            }
            try StandardOutput.write(bytes: out)
            if problems > 0 { throw ExitCode.failure }
        }
    }
}
