import ArgumentParser
import Foundation
import VGGStore

extension VGGBatch {
    /// `vggbatch prune`: forget files marked missing.
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete index entries of files marked missing (a scan never deletes anything).")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Only say how many entries would be deleted.")
        var dryRun = false

        func run() throws {
            let path = database.path(environment: ProcessInfo.processInfo.environment)
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure("no index at \(path)")
            }
            do {
                let lock = try ScanLock(databasePath: path)
                defer { withExtendedLifetime(lock) {} }
                let index = try IndexDatabase(path: path, readOnly: false)
                if dryRun {
                    let missing = try index.rootStatuses().reduce(0) { $0 + $1.missing }
                    print("\(missing) missing entries would be deleted")
                    return
                }
                let deleted = try index.transaction { try index.pruneMissing() }
                print("deleted \(deleted) missing entries")
            } catch let error as StoreError {
                throw CommandFailure(error.reason)
            }
        }
    }
}
