import ArgumentParser
import Foundation
import VGGCommon
import VGGIndexTypes
import VGGQuery

extension VGGBatch {
    /// `vggbatch roots`: the folders the index holds, and forgetting one.
    struct Roots: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the folders the index holds (its roots), or forget one.",
            discussion: """
                A root is a folder given to `vggbatch scan`. Roots never nest: scanning a folder \
                inside a root updates that root, and scanning a folder that contains roots takes \
                them over, so every file has one entry.
                """,
            subcommands: [List.self, Remove.self],
            defaultSubcommand: List.self)
    }
}

extension VGGBatch.Roots {
    /// `vggbatch roots list`: every root with its counts.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the roots with their files by status.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let index = try database.openReader()
            let roots: [RootStatus]
            do throws(StoreError) {
                roots = try index.roots.statuses()
            } catch {
                throw CommandFailure(error.reason)
            }
            if json {
                print(JSONText.array(roots.map { root in
                    JSONText.object(path: root.path, [
                        ("present", "\(PathBytes.kind(root.path) == .directory)"),
                        ("ok", "\(root.ok)"), ("failed", "\(root.failed)"), ("missing", "\(root.missing)"),
                    ])
                }))
                return
            }
            if roots.isEmpty { printError("the index has no roots yet; run `vggbatch scan DIR`") }
            for root in roots {
                let absent = PathBytes.kind(root.path) == .directory ? "" : " (not there now: unmounted or removed?)"
                print("\(PathBytes.display(root.path)): \(root.ok) ok, \(root.failed) failed, \(root.missing) missing\(absent)")
            }
        }
    }

    /// `vggbatch roots remove`: forget a root and its files' entries.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a root: its files' entries and results are deleted from the index (the photos are not touched).",
            discussion: "Says how many entries go, and asks first on a terminal; elsewhere it needs --yes.")

        @Argument(help: ArgumentHelp("The root folder, as `vggbatch roots` lists it (it need not exist any more).", valueName: "dir"))
        var directory: String

        @OptionGroup var database: DatabaseOptions

        @Flag(name: [.customLong("yes"), .customShort("y")], help: "Do not ask.")
        var yes = false

        func run() throws {
            let index = try database.openExistingWriter()
            defer { index.close() }
            let target = PathBytes.absolute(directory)
            do {
                let roots = try index.roots.statuses()
                guard let root = roots.first(where: { $0.path == target }) else {
                    if let outer = roots.first(where: { PathBytes.isWithin(target, folder: $0.path) }) {
                        throw CommandFailure(
                            "\(directory) is not a root; it is inside the root \(PathBytes.display(outer.path)) (remove that root, or delete the files and scan it again)")
                    }
                    throw CommandFailure("\(directory) is not a root of \(index.location) (see `vggbatch roots`)")
                }
                let total = root.ok + root.failed + root.missing
                let what = "\(PathBytes.display(root.path)): \(counted(total, "entry")) (\(root.ok) ok, \(root.failed) failed, \(root.missing) missing)"
                if !yes {
                    guard isatty(STDIN_FILENO) == 1 else {
                        throw CommandFailure("\(what) would be forgotten; run again with --yes to do it")
                    }
                    FileHandle.standardError.write(Data("Forget \(what)? [y/N] ".utf8))
                    guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                        printError("nothing removed")
                        return
                    }
                }
                let removed = try index.roots.remove(StoredRoot(id: root.id, path: root.path))
                print("forgot \(PathBytes.display(root.path)): \(counted(removed, "entry")) removed")
            } catch let error as StoreError {
                throw error.failure
            }
        }
    }
}
