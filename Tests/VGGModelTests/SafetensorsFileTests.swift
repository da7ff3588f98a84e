import VGGCommon
import Foundation
import Testing
import VGGModel
import _VGGTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Byte builders

private func littleEndian(_ value: UInt64, bytes: Int = 8) -> [UInt8] {
    (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

private func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { littleEndian(UInt64($0.bitPattern), bytes: 4) }
}

/// A safetensors file: the length field (`declaredLength`, or the header's real length),
/// the header text, then `data`.
private func safetensors(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    return littleEndian(declaredLength ?? UInt64(json.count)) + json + data
}

/// A header with one tensor `a` whose entry body is `fields`.
private func oneTensor(_ fields: String, data: [UInt8] = [UInt8](repeating: 0, count: 8)) -> [UInt8] {
    safetensors(header: "{\"a\":{\(fields)}}", data: data)
}

private func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

private func loadError(_ path: String) -> ModelError? {
    do throws(ModelError) {
        _ = try SafetensorsFile(path: path)
        return nil
    } catch {
        return error
    }
}

/// A file that must be refused as `invalidFile` with a reason containing `fragment`.
struct HostileFile: Sendable, CustomTestStringConvertible {
    let label: String
    let bytes: [UInt8]
    let fragment: String
    var testDescription: String { label }

    init(_ label: String, _ bytes: [UInt8], _ fragment: String) {
        self.label = label
        self.bytes = bytes
        self.fragment = fragment
    }
}

private let twoF32 = #""dtype":"F32","shape":[2],"data_offsets":[0,8]"#

private let hostileFiles: [HostileFile] = [
    HostileFile("empty file", [], "file is empty"),
    HostileFile("4 bytes", [1, 0, 0, 0], "file is 4 bytes, too short for the 8-byte header length"),
    HostileFile(
        "header length 2^63", safetensors(header: "{}", declaredLength: 1 << 63),
        "header length 9223372036854775808 exceeds the 2 bytes after the length field"),
    HostileFile(
        "header length 2^64-1", safetensors(header: "{}", declaredLength: .max), "header length 18446744073709551615"),
    HostileFile(
        "header length past the end", safetensors(header: #"{"a":1}"#, declaredLength: 100),
        "header length 100 exceeds the 7 bytes"),
    HostileFile("header length 0", safetensors(header: "{}", declaredLength: 0), "header length 0 is too short"),
    HostileFile("header length 1", safetensors(header: "{}", declaredLength: 1), "header length 1 is too short"),
    HostileFile("non-JSON header", safetensors(header: "hello, world"), "header is not valid JSON"),
    HostileFile("NUL-padded header", safetensors(header: "{}\0\0\0\0\0\0"), "header is not valid JSON"),
    HostileFile(
        "invalid UTF-8 in a name", littleEndian(9) + [0x7B, 0x22, 0xC0, 0x80, 0x22, 0x3A, 0x31, 0x7D, 0x20],
        "header is not valid JSON"),
    HostileFile("JSON array header", safetensors(header: "[1, 2]"), "header is not a JSON object"),
    HostileFile("JSON string header", safetensors(header: #""{}""#), "header is not a JSON object"),
    HostileFile(
        "duplicate tensor name", safetensors(header: "{\"a\":{\(twoF32)},\"a\":{\(twoF32)}}", data: f32Bytes([1, 2])),
        "duplicate tensor name a"),
    HostileFile(
        "duplicate __metadata__", safetensors(header: #"{"__metadata__":{},"__metadata__":{}}"#),
        "duplicate __metadata__"),
    HostileFile("duplicate field", oneTensor(twoF32 + #","dtype":"F32""#), "tensor a: field dtype appears twice"),
    HostileFile(
        "unknown dtype", oneTensor(#""dtype":"F8_E9","shape":[8],"data_offsets":[0,8]"#),
        "tensor a: unknown dtype F8_E9"),
    HostileFile(
        "lower-case dtype", oneTensor(#""dtype":"f32","shape":[2],"data_offsets":[0,8]"#), "unknown dtype f32"),
    HostileFile(
        "dtype not a string", oneTensor(#""dtype":4,"shape":[2],"data_offsets":[0,8]"#), "dtype is not a string"),
    HostileFile("no dtype", oneTensor(#""shape":[2],"data_offsets":[0,8]"#), "tensor a: no dtype"),
    HostileFile("no shape", oneTensor(#""dtype":"F32","data_offsets":[0,8]"#), "tensor a: no shape"),
    HostileFile(
        "negative dimension", oneTensor(#""dtype":"F32","shape":[-1],"data_offsets":[0,8]"#),
        "shape holds -1, not a non-negative integer"),
    HostileFile(
        "fractional dimension", oneTensor(#""dtype":"F32","shape":[2.0],"data_offsets":[0,8]"#), "shape holds 2.0"),
    HostileFile(
        "exponent dimension", oneTensor(#""dtype":"F32","shape":[2e0],"data_offsets":[0,8]"#), "shape holds 2e0"),
    HostileFile(
        "string dimension", oneTensor(#""dtype":"F32","shape":["2"],"data_offsets":[0,8]"#), "shape holds \"2\""),
    HostileFile(
        "dimension beyond Int", oneTensor(#""dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,8]"#),
        "shape holds 99999999999999999999"),
    HostileFile(
        "shape not an array", oneTensor(#""dtype":"F32","shape":2,"data_offsets":[0,8]"#), "shape is not an array"),
    HostileFile(
        "shape product overflow",
        oneTensor(#""dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]"#),
        "shape [1099511627776, 1099511627776] of F32 has more bytes than an Int can count"),
    HostileFile(
        "byte count overflow", oneTensor(#""dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]"#),
        "more bytes than an Int can count"),
    HostileFile("no data_offsets", oneTensor(#""dtype":"F32","shape":[2]"#), "tensor a: no data_offsets"),
    HostileFile(
        "data_offsets past the end", oneTensor(#""dtype":"F32","shape":[100],"data_offsets":[0,400]"#),
        "data_offsets [0, 400] end past the 8-byte data section"),
    HostileFile(
        "data_offsets beyond Int", oneTensor(#""dtype":"U8","shape":[0],"data_offsets":[0,18446744073709551616]"#),
        "is not two non-negative integers"),
    HostileFile(
        "data_offsets begin after end", oneTensor(#""dtype":"F32","shape":[2],"data_offsets":[8,0]"#),
        "data_offsets [8, 0] begin after they end"),
    HostileFile(
        "three data_offsets", oneTensor(#""dtype":"F32","shape":[2],"data_offsets":[0,4,8]"#),
        "data_offsets [0, 4, 8] is not two non-negative integers"),
    HostileFile(
        "negative data_offsets", oneTensor(#""dtype":"F32","shape":[0],"data_offsets":[-4,-4]"#),
        "is not two non-negative integers"),
    HostileFile(
        "byte length not matching shape", oneTensor(#""dtype":"F32","shape":[3],"data_offsets":[0,8]"#),
        "data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12"),
    HostileFile(
        "metadata value not a string", safetensors(header: #"{"__metadata__":{"a":1}}"#),
        "metadata value for key a is not a string"),
    HostileFile(
        "duplicate metadata key", safetensors(header: #"{"__metadata__":{"a":"x","a":"y"}}"#),
        "duplicate metadata key a"),
    HostileFile("metadata not an object", safetensors(header: #"{"__metadata__":"x"}"#), "__metadata__ is not an object"),
    HostileFile("tensor entry not an object", safetensors(header: #"{"a":[1]}"#), "tensor a: entry is not an object"),
]

// MARK: - Tests

@Suite("SafetensorsFile")
struct SafetensorsFileTests {
    @Test(arguments: hostileFiles)
    func hostileFileIsRefused(_ hostile: HostileFile) throws {
        let directory = TemporaryDirectory()
        let path = directory.path("hostile.safetensors")
        try write(hostile.bytes, to: path)
        let error = try #require(loadError(path))
        guard case .invalidFile(let errorPath, let reason) = error else {
            Issue.record("expected invalidFile, got \(error)")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains(hostile.fragment), "\(reason)")
    }

    @Test func directoryIsUnreadable() throws {
        let directory = TemporaryDirectory()
        let error = try #require(loadError(directory.url.path))
        #expect(error == .unreadable(path: directory.url.path, reason: "a directory"))
    }

    @Test func missingFileIsUnreadable() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("absent.safetensors")
        let error = try #require(loadError(path))
        guard case .unreadable(path, let reason) = error else {
            Issue.record("expected unreadable, got \(error)")
            return
        }
        #expect(!reason.isEmpty)
    }

    /// A FIFO would block a plain open() until a writer appears; it must be refused at once.
    @Test func fifoIsRefusedWithoutBlocking() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("pipe.safetensors")
        try #require(mkfifo(path, 0o600) == 0)
        #expect(loadError(path) == .unreadable(path: path, reason: "not a regular file"))
    }

    /// The size limit applies only to files big enough to hold the claimed header; a sparse
    /// file makes one without writing 100 MiB.
    @Test func headerAboveTheSizeLimitIsRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("huge-header.safetensors")
        let declared = UInt64(SafetensorsFile.maximumHeaderBytes + 1)
        try write(littleEndian(declared) + Array("{}".utf8), to: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: declared + 8)
        try handle.close()
        let error = try #require(loadError(path))
        guard case .invalidFile(_, let reason) = error else {
            Issue.record("expected invalidFile, got \(error)")
            return
        }
        #expect(reason.contains("exceeds the limit"), "\(reason)")
    }

    @Test func truncatedCopyIsRefusedNotCrashed() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("whole.safetensors")
        try SafetensorsWriter.write(
            [(name: "w", shape: [16, 16], values: (0..<256).map(Float.init))], to: path)
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let cut = directory.path("cut.safetensors")
        try write(Array(whole[..<(whole.count - 500)]), to: cut)
        let error = try #require(loadError(cut))
        guard case .invalidFile(_, let reason) = error else {
            Issue.record("expected invalidFile, got \(error)")
            return
        }
        #expect(reason.contains("tensor w: data_offsets [0, 1024] end past the 524-byte data section"), "\(reason)")
    }

    @Test func headerPaddingAndOddDataAlignmentAreAccepted() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("odd.safetensors")
        // A 3-space pad makes the header length odd, so the F32 data starts misaligned.
        let header = " {\"a\":{\(twoF32)},\"extra\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11],\"x\":0}}   "
        try write(safetensors(header: header, data: f32Bytes([1.5, -3]) + [7, 8, 9, 10]), to: path)
        let file = try SafetensorsFile(path: path)
        #expect(try file.floats("a") == [1.5, -3])
        let a = try #require(file.tensors["a"])
        #expect(a.byteOffset == 8 + header.utf8.count)
        #expect(a.byteCount == 8)
        #expect(a.elementCount == 2)
        #expect(file.metadata.isEmpty)
        #expect(throws: ModelError.unsupportedDType(path: path, tensor: "extra", dtype: "U8")) {
            try file.floats("extra")
        }
        #expect(throws: ModelError.missingTensor(path: path, tensor: "b")) { try file.floats("b") }
    }

    @Test func overlappingTensorsAreAllowed() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("overlap.safetensors")
        let header = "{\"a\":{\(twoF32)},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
        try write(safetensors(header: header, data: f32Bytes([1, 2])), to: path)
        let file = try SafetensorsFile(path: path)
        #expect(try file.floats("b") == [2])
        #expect(file.tensorNames == ["a", "b"])
    }

    /// Mutated copies of a valid file: each either loads, with every tensor inside the file
    /// and readable, or is refused with `invalidFile`.
    @Test func mutatedFilesNeverCrash() throws {
        let directory = TemporaryDirectory()
        let source = directory.path("source.safetensors")
        try SafetensorsWriter.write(
            [(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), (name: "b", shape: [4], values: [7, 8, 9, 10])],
            metadata: ["format": "pt"], to: source)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
        let headerEnd = 8 + Int(original[0]) + Int(original[1]) << 8
        let alphabet = Array(#"0123456789[]{}:,"-.e "#.utf8) + [0x00, 0x80, 0xFF]
        var generator = SplitMix64(seed: 0xF11E)
        let path = directory.path("mutated.safetensors")
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0..<headerEnd, using: &generator)
                bytes[position] = alphabet.randomElement(using: &generator) ?? 0
            }
            if Bool.random(using: &generator) {
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &generator))
            }
            try write(bytes, to: path)
            do throws(ModelError) {
                let file = try SafetensorsFile(path: path)
                for tensor in file.tensors.values {
                    #expect(tensor.byteOffset >= 8 && tensor.byteOffset + tensor.byteCount <= bytes.count)
                    if let values = try? file.floats(tensor.name) { #expect(values.count == tensor.elementCount) }
                }
            } catch {
                guard case .invalidFile = error else {
                    Issue.record("expected invalidFile, got \(error)")
                    continue
                }
            }
        }
    }

    /// Bit patterns from the IEEE 754 binary16 table; the expected values are exact.
    @Test(arguments: [
        (UInt16(0x3C00), Float(1)), (0xC000, -2), (0x7BFF, 65504), (0x0001, 0x1p-24), (0x03FF, 1023 * 0x1p-24),
        (0x0400, 0x1p-14), (0x3555, 0.333251953125), (0x0000, 0), (0x8000, -0.0), (0x8001, -0x1p-24),
        (0x7C00, .infinity), (0xFC00, -.infinity),
    ])
    func f16WidensExactly(bits: UInt16, expected: Float) throws {
        #expect(try readSingle16(dtype: "F16", bits: bits).bitPattern == expected.bitPattern)
    }

    @Test(arguments: [(UInt16(0x7E00), UInt32(0x7FC0_0000)), (0x7C01, 0x7F80_2000), (0xFE00, 0xFFC0_0000)])
    func f16NaNKeepsItsPayload(bits: UInt16, expectedBits: UInt32) throws {
        #expect(try readSingle16(dtype: "F16", bits: bits).bitPattern == expectedBits)
    }

    @Test(arguments: [
        (UInt16(0x3F80), UInt32(0x3F80_0000)), (0xC000, 0xC000_0000), (0x477F, 0x477F_0000), (0x3380, 0x3380_0000),
        (0x3EAA, 0x3EAA_0000), (0x0001, 0x0001_0000), (0x7F80, 0x7F80_0000), (0x7FC1, 0x7FC1_0000),
    ])
    func bf16IsTheUpperHalfOfAFloat(bits: UInt16, expectedBits: UInt32) throws {
        #expect(try readSingle16(dtype: "BF16", bits: bits).bitPattern == expectedBits)
    }

    @Test func bf16DecodesKnownValues() throws {
        #expect(try readSingle16(dtype: "BF16", bits: 0x3F80) == 1)
        #expect(try readSingle16(dtype: "BF16", bits: 0xC000) == -2)
        #expect(try readSingle16(dtype: "BF16", bits: 0x477F) == 65280)
        #expect(try readSingle16(dtype: "BF16", bits: 0x3EAA) == 0.33203125)
    }

    /// Writes a one-element tensor of `dtype` holding `bits` and reads it back.
    private func readSingle16(dtype: String, bits: UInt16) throws -> Float {
        let directory = TemporaryDirectory()
        let path = directory.path("half.safetensors")
        let header = "{\"h\":{\"dtype\":\"\(dtype)\",\"shape\":[1],\"data_offsets\":[0,2]}} "
        try write(safetensors(header: header, data: littleEndian(UInt64(bits), bytes: 2)), to: path)
        let values = try SafetensorsFile(path: path).floats("h")
        try #require(values.count == 1)
        return values[0]
    }
}
