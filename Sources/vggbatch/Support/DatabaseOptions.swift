import ArgumentParser
import Foundation
import VGGStore

/// Where the index lives.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The index database. Default: $VGGBATCH_DB, else $XDG_DATA_HOME/vggbatch/index.sqlite (~/.local/share/vggbatch/index.sqlite).",
        valueName: "path"))
    var db: String?

    func path(environment: [String: String]) -> String {
        IndexDatabase.defaultPath(explicit: db, environment: environment)
    }

    /// Only the default location's folder is created on demand; a folder named by the user
    /// must exist (a typo should not create a new index somewhere).
    func usesDefaultLocation(environment: [String: String]) -> Bool {
        db == nil && (environment["VGGBATCH_DB"] ?? "").isEmpty
    }

    /// Opens the index read-only, as every command but `scan` and `prune` does.
    func openReader() throws -> IndexDatabase {
        let path = path(environment: ProcessInfo.processInfo.environment)
        do throws(StoreError) {
            return try IndexDatabase(path: path, readOnly: true)
        } catch {
            throw CommandFailure(error.reason)
        }
    }
}
