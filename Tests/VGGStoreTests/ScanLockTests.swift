import Foundation
import Testing
import VGGIndexTypes
@testable import VGGStore
import _VGGTestSupport

@Suite("Scan lock")
struct ScanLockTests {
    /// A file that is not an index is refused and gets no lock file beside it; a new index
    /// and an existing one keep theirs.
    @Test func aFileThatIsNotAnIndexGetsNoLockFile() throws {
        let directory = TemporaryDirectory()
        let notes = directory.path("notes.txt")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: notes))
        #expect(throws: StoreError.self) { _ = try SQLiteIndex.openWriter(path: notes, createDirectory: false) }
        #expect(!FileManager.default.fileExists(atPath: notes + ".scan-lock"))

        let index = directory.path("i.sqlite")
        try SQLiteIndex.openWriter(path: index, createDirectory: false).close()
        #expect(FileManager.default.fileExists(atPath: index + ".scan-lock"))
        // A lock file that was there stays, whatever happens to the open.
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: index))
        #expect(throws: StoreError.self) { _ = try SQLiteIndex.openWriter(path: index, createDirectory: false) }
        #expect(FileManager.default.fileExists(atPath: index + ".scan-lock"))
    }

    /// Another program's SQLite database is refused untouched, with no lock file beside it.
    @Test func anotherProgramsDatabaseIsNotWrittenInto() throws {
        let directory = TemporaryDirectory()
        let other = directory.path("other.db")
        let connection = try SQLiteConnection(path: other, readOnly: false, create: true)
        try connection.execute("CREATE TABLE t (x INTEGER)")
        connection.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: other))
        #expect {
            _ = try SQLiteIndex.openWriter(path: other, createDirectory: false)
        } throws: { error in
            (error as? StoreError)?.reason.contains("not a vggbatch index (an SQLite database with a table of its own)") == true
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == before)
        #expect(!FileManager.default.fileExists(atPath: other + ".scan-lock"))
    }

    /// A second writer is refused at once while the first holds the lock.
    @Test func aSecondWriterIsRefusedWhileTheFirstHoldsIt() throws {
        let directory = TemporaryDirectory()
        let index = directory.path("i.sqlite")
        let first = try SQLiteIndex.openWriter(path: index, createDirectory: false)
        #expect(ScanLock.isHeld(databasePath: index))
        #expect {
            _ = try SQLiteIndex.openWriter(path: index, createDirectory: false)
        } throws: { error in
            guard case StoreError.locked = error else { return false }
            return true
        }
        first.close()
        #expect(!ScanLock.isHeld(databasePath: index))
    }
}
