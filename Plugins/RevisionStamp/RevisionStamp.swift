import Foundation
import PackagePlugin

/// Writes `Revision+Generated.swift` (the git revision the sources are at, with `-dirty` when
/// they differ from it, or "unknown" outside a git checkout) before each build of the target
/// that uses it, so `vggbatch --version` names the revision it was built from. The file is
/// rewritten only when the revision changes, so an unchanged tree compiles nothing again.
@main
struct RevisionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Revision+Generated.swift")
        let script = """
            revision=$(git -C "$1" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
            text="/// Generated before each build: the git revision of the sources.
            let buildRevision = \\"$revision\\"
            "
            [ -f "$2" ] && [ "$(cat "$2")" = "$text" ] || printf '%s\\n' "$text" > "$2"
            """
        return [
            .prebuildCommand(
                displayName: "Record the git revision",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: context.pluginWorkDirectoryURL)
        ]
    }
}
