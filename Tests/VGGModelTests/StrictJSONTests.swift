import VGGCommon
import Testing
import VGGModel

private func parse(_ text: String) throws(StrictJSON.SyntaxError) -> StrictJSON.Value {
    try StrictJSON.parse(Array(text.utf8))
}

@Suite("StrictJSON")
struct StrictJSONTests {
    @Test(arguments: [
        ("null", StrictJSON.Value.null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("1.5e-3", .number("1.5e-3")),
        ("-12.25E+10", .number("-12.25E+10")),
        ("1E400", .number("1E400")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("\"\"", .string("")),
        ("[]", .array([])),
        ("{}", .object([])),
        (" \t\n\r[ ]\r\n", .array([])),
        ("[1,[2,[]],{}]", .array([.number("1"), .array([.number("2"), .array([])]), .object([])])),
        ("{\"a\":{\"b\":[true,null]},\"c\":\"d\"}",
         .object([(key: "a", value: .object([(key: "b", value: .array([.bool(true), .null]))])),
                  (key: "c", value: .string("d"))])),
    ])
    func validDocuments(text: String, expected: StrictJSON.Value) throws {
        #expect(try parse(text) == expected)
    }

    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u4E2D""#, "Aé中"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        (#""a\u0000b""#, "a\u{0}b"),
        ("\"é😀 raw UTF-8\"", "é😀 raw UTF-8"),
        ("\"\u{7F}\"", "\u{7F}"),
    ])
    func stringEscapes(text: String, expected: String) throws {
        #expect(try parse(text) == .string(expected))
    }

    @Test func duplicateKeysAreKeptInOrder() throws {
        let value = try parse(#"{"b":1,"a":2,"b":3}"#)
        #expect(value == .object([
            (key: "b", value: .number("1")), (key: "a", value: .number("2")), (key: "b", value: .number("3")),
        ]))
    }

    @Test func objectsWithDifferentMemberOrderDiffer() throws {
        #expect(try parse(#"{"a":1,"b":2}"#) != parse(#"{"b":2,"a":1}"#))
    }

    @Test func nestingUpToTheLimitParses() throws {
        let depth = StrictJSON.maximumDepth
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        _ = try parse(arrays)
        let objects = String(repeating: "{\"k\":", count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        _ = try parse(objects)
    }

    @Test(arguments: [StrictJSON.maximumDepth + 1, 100_000])
    func nestingBeyondTheLimitIsRefused(depth: Int) {
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = #expect(throws: StrictJSON.SyntaxError.self) { try parse(text) }
        #expect(error?.offset == StrictJSON.maximumDepth)
        #expect(error?.reason.contains("nesting") == true)
    }

    @Test(arguments: [
        "", " ", "nul", "tru", "True", "nulll", "[1,]", "[,1]", "[1 2]", "[1]]", "[", "{",
        #"{"a":1,}"#, "{a:1}", #"{"a" 1}"#, #"{"a":}"#, #"{"a":1}}"#, #"{"a",1}"#, "{1:2}",
        "01", "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "1.e3", "--1",
        #""abc"#, #""\x""#, #""\u12""#, #""\u12G4""#, #""\uD800""#, #""\uDC00""#, #""\uD800\u0041""#,
        #""\uD800\n""#, "\"tab\there\"", "\"line\nbreak\"", "[1] x", "{} {}", "'a'", "\u{FEFF}[]", "/* */1",
        "[1,\u{0B}2]", "\"\\", "\"\\u",
    ])
    func invalidTextIsRefused(text: String) {
        #expect(throws: StrictJSON.SyntaxError.self) { try parse(text) }
    }

    @Test(arguments: [
        [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
        [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xE4, 0xB8, 0x22],  // truncated sequence
        [0x22, 0xE4, 0xB8],  // truncated at end of input
        [0x22, 0x80, 0x22],  // stray continuation byte
        [0x22, 0xFF, 0x22],
        [0x00],
        [0x5B, 0x5D, 0x00],  // trailing NUL
        [0x5B, 0xC3, 0xA9, 0x5D],  // non-ASCII outside a string
    ] as [[UInt8]])
    func invalidBytesAreRefused(bytes: [UInt8]) {
        #expect(throws: StrictJSON.SyntaxError.self) { try StrictJSON.parse(bytes) }
    }

    @Test(arguments: [
        ("[1,]", 3),
        (#""abc"#, 4),
        ("[1] x", 4),
        (#"{"a":tru}"#, 5),
        ("\"a\u{01}\"", 2),
    ])
    func errorsPointAtTheOffendingByte(text: String, offset: Int) {
        let error = #expect(throws: StrictJSON.SyntaxError.self) { try parse(text) }
        #expect(error?.offset == offset)
    }

    /// Random and mutated inputs: none may crash, and every error's offset lies inside the input.
    @Test func randomAndMutatedInputsNeverCrash() {
        let corpus = [
            #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#,
            #"[1,-2.5e+3,true,false,null,"s\u00e9\n",{"a":[{}]}]"#,
            #"{"\uD83D\uDE00":"é","x":[[[[0]]]]}"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"{}[]":,\u0123456789-+.eEtrufalsn "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xED, 0xF4, 0xFF]
        var generator = SplitMix64(seed: 0x5EED)
        for iteration in 0..<3_000 {
            var bytes: [UInt8]
            if iteration % 4 == 0 {
                let count = Int.random(in: 0...64, using: &generator)
                bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            } else {
                bytes = corpus[iteration % corpus.count]
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    mutate(&bytes, alphabet: alphabet, using: &generator)
                }
            }
            switch Result(catching: { () throws(StrictJSON.SyntaxError) in try StrictJSON.parse(bytes) }) {
            case .success(let first):
                #expect((try? StrictJSON.parse(bytes)) == first)
            case .failure(let error):
                #expect((0...bytes.count).contains(error.offset), "offset \(error.offset) outside \(bytes)")
            }
        }
    }

    private func mutate(_ bytes: inout [UInt8], alphabet: [UInt8], using generator: inout SplitMix64) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0 where !bytes.isEmpty:
            bytes[position] = UInt8.random(in: 0...255, using: &generator)
        case 1:
            bytes.insert(alphabet.randomElement(using: &generator) ?? 0, at: position)
        case 2 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...8, using: &generator))
            bytes.removeSubrange(position..<end)
        case 3:
            bytes.removeLast(bytes.count - position)
        default:
            let end = min(bytes.count, position + Int.random(in: 0...16, using: &generator))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        }
    }
}
