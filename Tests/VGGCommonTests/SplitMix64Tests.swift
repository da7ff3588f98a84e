import Testing
import VGGCommon

@Suite("SplitMix64")
struct SplitMix64Tests {
    /// Skipping normal draws leaves the generator where drawing them would.
    @Test func skippingDrawsIsDrawingThem() {
        for count in [0, 1, 7, 4096] {
            var drawn = SplitMix64(seed: 11), skipped = SplitMix64(seed: 11)
            for _ in 0..<count { _ = drawn.nextGaussian() }
            skipped.skipGaussians(count)
            #expect(drawn.next() == skipped.next() && drawn.nextGaussian() == skipped.nextGaussian())
        }
    }
}
