/// CMYK to RGB for 4-component JPEGs, which libjpeg-turbo can only hand out as CMYK.
enum CMYKConversion {
    /// Converts interleaved CMYK samples to interleaved RGB with the naive formula
    /// R = (1 - C)(1 - K) and so on, which is what Pillow and browsers without a colour
    /// profile do.
    ///
    /// Adobe applications (files with an APP14 marker) store CMYK inverted: 255 means no ink.
    /// `inverted` says the samples are stored that way, so R = C·K/255 directly.
    static func rgb(fromCMYK cmyk: [UInt8], inverted: Bool) -> [UInt8] {
        precondition(cmyk.count % 4 == 0, "CMYK buffer must hold whole pixels")
        let pixelCount = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: pixelCount * 3)
        for i in 0..<pixelCount {
            var c = UInt32(cmyk[i * 4])
            var m = UInt32(cmyk[i * 4 + 1])
            var y = UInt32(cmyk[i * 4 + 2])
            var k = UInt32(cmyk[i * 4 + 3])
            if !inverted {
                c = 255 - c
                m = 255 - m
                y = 255 - y
                k = 255 - k
            }
            rgb[i * 3] = UInt8((c * k + 127) / 255)
            rgb[i * 3 + 1] = UInt8((m * k + 127) / 255)
            rgb[i * 3 + 2] = UInt8((y * k + 127) / 255)
        }
        return rgb
    }
}
