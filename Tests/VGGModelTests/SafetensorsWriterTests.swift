import VGGCommon
import Foundation
import Testing
import VGGModel
import _VGGTestSupport

private typealias Entry = (name: String, shape: [Int], values: [Float])

private func contents(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite("SafetensorsWriter")
struct SafetensorsWriterTests {
    /// Awkward sizes, a scalar, an empty tensor, names needing escapes and every kind of
    /// special float, all of which must come back bit for bit.
    @Test func roundTripIsBitIdentical() throws {
        let special: [Float] = [
            0, -0.0, 1, -2.5, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFF80_0001),
            .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, .ulpOfOne,
        ]
        var generator = SplitMix64(seed: 7)
        let tensors: [Entry] = [
            (name: "features.0.weight", shape: [4, 3, 3, 3], values: (0..<108).map { Float($0) * 0.37 - 20 }),
            (name: "scalar", shape: [], values: [42]),
            (name: "empty", shape: [0, 5], values: []),
            (name: "special", shape: [special.count], values: special),
            (name: "naïve/é \"q\"\n\u{1}", shape: [9, 7, 13],
             values: (0..<819).map { _ in Float.random(in: -1...1, using: &generator) }),
            (name: "A", shape: [2, 1], values: [1, 2]),
        ]
        let metadata = ["format": "pt", "note": "ünï \"q\"\t\\"]
        let directory = TemporaryDirectory()
        let path = directory.path("round-trip.safetensors")
        try SafetensorsWriter.write(tensors, metadata: metadata, to: path)

        let file = try SafetensorsFile(path: path)
        #expect(file.tensorNames == tensors.map(\.name).sorted())
        #expect(file.metadata == metadata)
        for tensor in tensors {
            let info = try #require(file.tensors[tensor.name])
            #expect(info.dtype == "F32")
            #expect(info.shape == tensor.shape)
            #expect(info.elementCount == tensor.values.count)
            #expect(info.byteCount == 4 * tensor.values.count)
            #expect(try file.floats(tensor.name).map(\.bitPattern) == tensor.values.map(\.bitPattern))
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    /// The exact bytes `safetensors.numpy.save` (0.8.0) writes for the same tensors and a
    /// single metadata entry (with more entries Python's order follows a hash map).
    @Test func bytesMatchThePythonLibrary() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("python.safetensors")
        let tensors: [Entry] = [
            (name: "s", shape: [], values: [3.5]),
            (name: "b", shape: [2], values: [1, 2]),
            (name: "c", shape: [0, 3], values: []),
            (name: "a", shape: [1], values: [0]),
        ]
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: path)
        let header = #"{"__metadata__":{"format":"pt"},"#
            + #""a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"#
            + #""c":{"dtype":"F32","shape":[0,3],"data_offsets":[12,12]},"#
            + #""s":{"dtype":"F32","shape":[],"data_offsets":[12,16]}}"# + "      "
        let data: [UInt8] = [0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x60, 0x40]
        #expect(header.utf8.count == 256)
        let expected: [UInt8] = [0, 1, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + data
        #expect(try contents(path) == expected)
    }

    @Test func outputIsIndependentOfInputOrderAndAligned() throws {
        let tensors: [Entry] = [
            (name: "z", shape: [3], values: [1, 2, 3]),
            (name: "é", shape: [1], values: [4]),
            (name: "Z", shape: [2], values: [5, 6]),
            (name: "a.b", shape: [1, 1], values: [7]),
        ]
        let directory = TemporaryDirectory()
        let first = directory.path("first.safetensors")
        let second = directory.path("second.safetensors")
        try SafetensorsWriter.write(tensors, metadata: ["b": "2", "a": "1"], to: first)
        try SafetensorsWriter.write(Array(tensors.reversed()), metadata: ["a": "1", "b": "2"], to: second)
        let bytes = try contents(first)
        #expect(try contents(second) == bytes)

        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self)
        let order = ["\"__metadata__\"", "\"Z\"", "\"a.b\"", "\"z\"", "\"é\""].map { header.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        #expect(header.contains(#"{"a":"1","b":"2"}"#))
        #expect(try SafetensorsFile(path: first).floats("Z") == [5, 6])
    }

    @Test func existingFileIsReplaced() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("weights.safetensors")
        try SafetensorsWriter.write([(name: "old", shape: [1], values: [1])], to: path)
        try SafetensorsWriter.write([(name: "new", shape: [1], values: [2])], to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.tensorNames == ["new"])
    }

    @Test func missingDirectoryIsUnwritable() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("absent/weights.safetensors")
        #expect(throws: ModelError.self) { try SafetensorsWriter.write([], to: path) }
        do throws(ModelError) {
            try SafetensorsWriter.write([], to: path)
        } catch {
            guard case .unwritable(let errorPath, _) = error else {
                Issue.record("expected unwritable, got \(error)")
                return
            }
            #expect(errorPath == path + ".tmp")
        }
    }

    /// Renaming over a directory fails after the data is written; the temporary file must go.
    @Test func failedRenameRemovesTheTemporaryFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("occupied")
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        do throws(ModelError) {
            try SafetensorsWriter.write([(name: "w", shape: [1], values: [1])], to: path)
            Issue.record("writing over a non-empty directory succeeded")
        } catch {
            guard case .unwritable(path, let reason) = error else {
                Issue.record("expected unwritable, got \(error)")
                return
            }
            #expect(reason.contains("rename"))
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }
}
