import Testing
@testable import VGGImaging

@Suite("CMYK to RGB")
struct CMYKConversionTests {
    @Test func plainCMYKUsesInkAmounts() {
        // Non-inverted: 0 = no ink. White paper, full cyan, full black, half magenta.
        let cmyk: [UInt8] = [0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 0, 128, 0, 0]
        #expect(CMYKConversion.rgb(fromCMYK: cmyk, inverted: false) == [255, 255, 255, 0, 255, 255, 0, 0, 0, 255, 127, 255])
    }

    @Test func adobeInvertedCMYKIsReadTheOtherWayRound() {
        // Adobe files store 255 - ink: the same four colours.
        let cmyk: [UInt8] = [255, 255, 255, 255, 0, 255, 255, 255, 255, 255, 255, 0, 255, 127, 255, 255]
        #expect(CMYKConversion.rgb(fromCMYK: cmyk, inverted: true) == [255, 255, 255, 0, 255, 255, 0, 0, 0, 255, 127, 255])
    }
}
