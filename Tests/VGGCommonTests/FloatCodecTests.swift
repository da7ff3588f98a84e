import Foundation
import Testing
import VGGCommon

@Suite("Float codec")
struct FloatCodecTests {
    @Test func bytesAreLittleEndianAndRoundTrip() {
        let values: [Float] = [1, -2.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0, .infinity]
        let bytes = FloatCodec.encode(values)
        #expect(bytes.count == 4 * values.count)
        // 1.0 is 0x3F800000: least significant byte first.
        #expect(Array(bytes.prefix(4)) == [0x00, 0x00, 0x80, 0x3F])
        #expect(FloatCodec.decode(bytes)?.map(\.bitPattern) == values.map(\.bitPattern))
        bytes.withUnsafeBytes { raw in
            #expect(FloatCodec.value(raw, at: 1) == -2.5)
        }
        #expect(FloatCodec.encode(values[2...]) == Array(bytes[8...]))
    }

    @Test func aLengthThatIsNotFloatsIsRefused() {
        #expect(FloatCodec.decode([1, 2, 3]) == nil)
        #expect(FloatCodec.decode([]) == [])
    }
}
