import ArgumentParser
import Foundation
import VGGIndexTypes
import VGGIndexing
import VGGQuery
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

    /// Opens the index for reading, as every command but `scan`, `prune` and `roots remove`
    /// does (a read-only file in a read-only folder is fine).
    func openReader() throws -> IndexReader {
        let path = path(environment: ProcessInfo.processInfo.environment)
        do throws(StoreError) {
            return try IndexDatabase(path: path, readOnly: true)
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// Opens the index for writing, holding the right to write (the scan lock).
    func openWriter() throws -> IndexWriter {
        let environment = ProcessInfo.processInfo.environment
        let path = path(environment: environment)
        do throws(StoreError) {
            return try SQLIndexWriter.open(path: path, createDirectory: usesDefaultLocation(environment: environment))
        } catch {
            throw CommandFailure(error.reason)
        }
    }

    /// Opens an existing index for writing (`prune`, `roots remove`): no index is created.
    func openExistingWriter() throws -> IndexWriter {
        let path = path(environment: ProcessInfo.processInfo.environment)
        guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("no index at \(path)") }
        return try openWriter()
    }
}
