/// 2×2 max-pooling with stride 2 (floor: an odd last row or column is dropped), on planes.
public enum MaxPool {
    /// Pools planes `planeRange` of `height` × `width` floats each into planes of
    /// (height/2) × (width/2). Input and output are consecutive planes (CNHW or NCHW alike).
    public static func pool2x2(
        input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>, planeRange: Range<Int>
    ) {
        let outHeight = height / 2
        let outWidth = width / 2
        for plane in planeRange {
            let source = input + plane * height * width
            let destination = output + plane * outHeight * outWidth
            for y in 0..<outHeight {
                let top = source + 2 * y * width
                let bottom = top + width
                let row = destination + y * outWidth
                for x in 0..<outWidth {
                    row[x] = max(max(top[2 * x], top[2 * x + 1]), max(bottom[2 * x], bottom[2 * x + 1]))
                }
            }
        }
    }
}
