import Testing
import VGGIndexTypes
import VGGSQL

/// An image row is read with its status typed; a status the schema does not have is named.
@Suite("Stored image rows")
struct StoredImageTests {
    static func row(status: String) -> [SQLValue] {
        [.integer(7), .integer(1), .blob(Array("/p".utf8)), .blob(Array("a.jpg".utf8)), .integer(10), .integer(20), .integer(30), .integer(40),
         .blob([1, 2]), .text(status), .integer(2)]
    }

    @Test func aRowReadsAsItsTypedStatus() throws {
        let read = try SQLFiles.storedImage(Self.row(status: "missing"))
        let image = try #require(read)
        #expect(image.status == .missing && image.hasResults && image.hasDescriptors && image.stat.size == 10)
    }

    @Test func anUnknownStatusIsNamed() {
        #expect(throws: StoreError.corrupt(path: "the index", reason: "image 7 has status \"paused\", not one of ok, failed, missing")) {
            try SQLFiles.storedImage(Self.row(status: "paused"))
        }
    }
}
