import Foundation
import Testing
import VGGCommon
import _VGGTestSupport

@Suite("Regular files")
struct RegularFileTests {
    @Test func readsWhatIsThereAndStopsAtTheEnd() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("file")
        #expect(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3, 4, 5])))
        let file = try RegularFile(path: path)
        #expect(file.size == 5)
        #expect(try file.read(at: 1, count: 3) == [2, 3, 4])
        // A file shorter than asked (it shrank since it was opened): what there is.
        #expect(try file.read(at: 3, count: 10) == [4, 5])
        let mapping = try #require(file.map())
        defer { munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count) }
        #expect(Array(mapping) == [1, 2, 3, 4, 5])
    }

    @Test func anythingButARegularFileIsRefusedWithoutBlocking() throws {
        let directory = TemporaryDirectory()
        #expect(throws: RegularFile.Failure.directory) { try RegularFile(path: directory.path("")) }
        let fifo = directory.path("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: RegularFile.Failure.notRegular) { try RegularFile(path: fifo) }
        #expect(throws: RegularFile.Failure.missing) { try RegularFile(path: directory.path("none")) }
        #expect(RegularFile.Failure.missing.reason == "No such file or directory")
    }
}
