import ArgumentParser
import Foundation
import VGGIndexTypes

extension VGGBatch {
    /// `vggbatch prune`: forget files marked missing.
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete index entries of files marked missing (a scan never deletes anything).")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Only say how many entries would be deleted.")
        var dryRun = false

        func run() throws {
            let index = try database.openExistingWriter()
            defer { index.close() }
            do throws(StoreError) {
                if dryRun {
                    let missing = try index.roots.statuses().reduce(0) { $0 + $1.missing }
                    print("\(missing) missing entries would be deleted")
                    return
                }
                print("deleted \(try index.roots.pruneMissing()) missing entries")
            } catch {
                throw CommandFailure(error.reason)
            }
        }
    }
}
