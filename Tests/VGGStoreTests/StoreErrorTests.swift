import VGGSQL
import Testing
@testable import VGGStore
import VGGIndexTypes

@Suite("Store errors")
struct StoreErrorTests {
    @Test(arguments: [
        (StoreError.sqlite(code: 275, message: "CHECK constraint failed: status", sql: "INSERT INTO image\n  VALUES (?)"),
         "SQLite error 275: CHECK constraint failed: status - while executing `INSERT INTO image VALUES (?)`"),
        (.sqlite(code: 1, message: "no such table: x", sql: nil), "SQLite error 1: no such table: x"),
        (.cannotOpen(path: "/x/db.sqlite", reason: "unable to open database file"),
         "cannot open /x/db.sqlite: unable to open database file"),
        (.notADatabase(path: "/x/notes.txt"), "/x/notes.txt is not a vggbatch index (not an SQLite database)"),
        (.newerSchema(path: "/x/db.sqlite", unknownMigrations: ["0002_add_tags", "0003_drop_x"]),
         "/x/db.sqlite was written by a newer vggbatch (unknown migrations: 0002_add_tags, 0003_drop_x); "
            + "upgrade vggbatch to use it"),
        (.locked(path: "/x/db.sqlite", reason: "another vggbatch is writing to this index (a scan, an import or an index build); try again when it ends"),
         "/x/db.sqlite is locked: another vggbatch is writing to this index (a scan, an import or an index build); try again when it ends"),
        (.readOnly(path: "/x/db.sqlite"), "cannot write to /x/db.sqlite: it is read-only"),
        (.corrupt(path: "/x/db.sqlite", reason: "database disk image is malformed"),
         "/x/db.sqlite is corrupt: database disk image is malformed"),
        (.diskFull(path: "/x/db.sqlite"), "cannot write to /x/db.sqlite: the disk is full"),
    ])
    func describesEachCaseOnOneLine(_ error: StoreError, _ text: String) {
        #expect(error.reason == text)
        #expect(error.description == text)
        #expect(!text.contains("\n"))
    }

    // Primary and extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_READONLY_DBMOVED, …) map alike.
    @Test(arguments: [
        (Int32(5), StoreError.locked(path: "p", reason: "database is locked (another process kept it busy beyond the timeout)")),
        (517, .locked(path: "p", reason: "database is locked (another process kept it busy beyond the timeout)")),
        (6, .locked(path: "p", reason: "database is locked (another process kept it busy beyond the timeout)")),
        (8, .readOnly(path: "p")),
        (1032, .readOnly(path: "p")),
        (13, .diskFull(path: "p")),
        (26, .notADatabase(path: "p")),
        (11, .corrupt(path: "p", reason: "database is locked")),
        (14, .cannotOpen(path: "p", reason: "database is locked")),
        (19, .sqlite(code: 19, message: "database is locked", sql: "SELECT 1")),
    ])
    func mapsResultCodesInOnePlace(_ code: Int32, _ expected: StoreError) {
        #expect(StoreError.fromSQLite(code: code, message: "database is locked", sql: "SELECT 1", path: "p") == expected)
    }
}
