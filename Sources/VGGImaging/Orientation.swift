/// The eight EXIF orientation values (TIFF tag 0x0112): how the stored pixels must be
/// turned for the picture to appear upright.
///
/// Each case is named after the transform a viewer applies to the stored pixels, which is
/// what `RGBImage.oriented(_:)` does. Cameras usually write `.up`, `.rotate90Clockwise`
/// (phone held upright) or `.rotate90CounterClockwise`; the mirrored cases are rare.
public enum Orientation: Int, Sendable, Codable, CaseIterable {
    /// 1: stored upright; display as is.
    case up = 1
    /// 2: stored mirrored left to right; display needs a horizontal mirror.
    case mirrorHorizontal = 2
    /// 3: stored upside down; display needs a 180° turn.
    case rotate180 = 3
    /// 4: stored mirrored top to bottom; display needs a vertical mirror.
    case mirrorVertical = 4
    /// 5: stored mirrored across the main diagonal; display needs a transpose
    /// (the stored top-left pixel stays at the top left, rows become columns).
    case transpose = 5
    /// 6: stored rotated; display needs a 90° clockwise turn.
    case rotate90Clockwise = 6
    /// 7: stored mirrored across the anti-diagonal; display needs a transverse
    /// (the stored bottom-right pixel moves to the top left).
    case transverse = 7
    /// 8: stored rotated; display needs a 90° counter-clockwise turn.
    case rotate90CounterClockwise = 8

    /// Whether the upright picture is `height` wide and `width` tall (orientations 5–8).
    public var swapsAxes: Bool {
        switch self {
        case .up, .mirrorHorizontal, .rotate180, .mirrorVertical: return false
        case .transpose, .rotate90Clockwise, .transverse, .rotate90CounterClockwise: return true
        }
    }

    /// The orientation for a raw tag value. 0 and anything outside 1...8 mean `.up`:
    /// writers that store garbage here never intended a turn, and showing the pixels as
    /// stored is what most viewers do.
    public init(exifValue: Int) {
        self = Orientation(rawValue: exifValue) ?? .up
    }
}
