import CImageCodecs
import Testing
@testable import VGGImaging

@Suite("Codec messages")
struct CodecMessageTests {
    /// A decoder's message may quote the file's own bytes; a terminal escape or a byte that is
    /// not UTF-8 in it must not reach a terminal or the index as it is.
    @Test func controlBytesAndInvalidUTF8AreEscaped() {
        var status = vgg_status()
        let quoted: [UInt8] = Array("tag \"".utf8) + [0x1B] + Array("[2J".utf8) + [0xFF, 0x07] + Array("\" unknown".utf8)
        withUnsafeMutableBytes(of: &status.message) { raw in
            for (offset, byte) in quoted.enumerated() { raw[offset] = byte }
        }
        let text = messageText(status)
        #expect(text == "tag \"\\x1b[2J\\xff\\x07\" unknown")
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }

    @Test func plainMessagesAreUnchanged() {
        var status = vgg_status()
        let plain = Array("Premature end of JPEG file (déjà)".utf8)
        withUnsafeMutableBytes(of: &status.message) { raw in
            for (offset, byte) in plain.enumerated() { raw[offset] = byte }
        }
        #expect(messageText(status) == "Premature end of JPEG file (déjà)")
    }
}
