import Foundation
import Testing
import VGGIndexTypes
import VGGQuery
import _VGGTestSupport

/// Exports through the library: a .npy matrix the size its header says with one path a
/// line beside it, CSV with the exact bytes of a name that is not UTF-8, and nothing left
/// in place of a file whose export failed.
@Suite("Export writer")
struct ExportWriterTests {
    let directory = TemporaryDirectory()

    static func row(_ path: [UInt8], _ value: Float, gem: [Float] = []) -> ExportRow {
        var result = ImageResult(top: [(281, 0.5), (285, 0.25)], features: [value, value + 1, value + 2])
        result.gem = gem
        return ExportRow(path: path, result: result)
    }

    @Test func aNumPyMatrixHasTheShapeItsHeaderSaysAndItsPathsBeside() throws {
        let output = directory.path("vectors.npy")
        let writer = try ExportWriter(format: .npy, features: true, output: output)
        try writer.write(Self.row(Array("/p/a.jpg".utf8), 1))
        try writer.write(Self.row(Array("/p/b".utf8) + [0xFF] + Array(".jpg".utf8), 4))
        try writer.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(bytes.count == 128 + 2 * 3 * 4)
        #expect(String(decoding: bytes[6..<128], as: UTF8.self).contains("'shape': (2, 3)"))
        let floats = FloatCodec.decode(Array(bytes[128...]))
        #expect(floats == [1, 2, 3, 4, 5, 6])
        #expect(try String(contentsOfFile: output + ".paths.txt", encoding: .utf8) == "/p/a.jpg\n/p/b\\xff.jpg\n")
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
    }

    @Test func aRowWithoutTheAskedDescriptorFailsAndLeavesNoFile() throws {
        let output = directory.path("gem.npy")
        let writer = try ExportWriter(format: .npy, features: true, output: output, matrix: .gem)
        #expect(throws: QueryError.self) { try writer.write(Self.row(Array("/p/a.jpg".utf8), 1)) }
        writer.abandon()
        for leftover in [output, output + ".partial", output + ".paths.txt", output + ".paths.txt.partial"] {
            #expect(!FileManager.default.fileExists(atPath: leftover), "\(leftover)")
        }
    }

    /// A failed export over an earlier one leaves the earlier matrix and its paths as they were.
    @Test func aFailedExportKeepsTheEarlierOne() throws {
        let output = directory.path("kept.npy")
        let first = try ExportWriter(format: .npy, features: true, output: output)
        try first.write(Self.row(Array("/p/a.jpg".utf8), 1))
        try first.finish()
        let before = try Data(contentsOf: URL(fileURLWithPath: output)), paths = try Data(contentsOf: URL(fileURLWithPath: output + ".paths.txt"))
        let second = try ExportWriter(format: .npy, features: true, output: output, matrix: .gem)
        #expect(throws: QueryError.self) { try second.write(Self.row(Array("/p/a.jpg".utf8), 1)) }
        second.abandon()
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output + ".paths.txt")) == paths)
    }

    @Test func csvCarriesTheExactBytesOfANameThatIsNotUTF8() throws {
        let output = directory.path("rows.csv")
        let writer = try ExportWriter(format: .csv, features: false, output: output)
        let invalid = Array("/p/b".utf8) + [0xFF] + Array(".jpg".utf8)
        try writer.write(Self.row(Array("/p/a,b.jpg".utf8), 1))
        try writer.write(Self.row(invalid, 2))
        try writer.finish()
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("path,path_base64,top1_index,top1_wnid,top1_label,top1_probability"))
        #expect(lines[1].hasPrefix("\"/p/a,b.jpg\",,281,"))
        let cells = lines[2].split(separator: ",", omittingEmptySubsequences: false)
        #expect(Data(base64Encoded: String(cells[1])).map { Array($0) } == invalid)
    }
}
