/// How 8-bit RGB pixels become the float input of a VGG16 weight set: the two conventions of
/// VGG16 weights in the wild. Each published weight set was trained with one and gives wrong
/// answers with the other; VGGImaging applies them.
public enum Preprocessing: String, Sendable, Codable, CaseIterable {
    /// torchvision/timm/ONNX zoo: planes R, G, B; `(v / 255 - mean) / std` with ImageNet
    /// mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
    case torch
    /// Original Caffe weights (also Keras' `caffe` mode): planes B, G, R; `v - mean` on 0-255
    /// values with mean B 103.939, G 116.779, R 123.68 and no scaling.
    case caffe

    /// The order of the three output planes, "RGB" or "BGR".
    public var channelOrder: String {
        switch self {
        case .torch: return "RGB"
        case .caffe: return "BGR"
        }
    }

    /// One line describing the transform, for CLI output.
    public var summary: String {
        switch self {
        case .torch: return "torch: RGB/255, mean (0.485,0.456,0.406), std (0.229,0.224,0.225)"
        case .caffe: return "caffe: BGR 0-255, mean (103.939,116.779,123.68), no std"
        }
    }
}

/// How a decoded photo of any shape becomes the square network input; VGGImaging applies it.
public enum ResizePolicy: String, Sendable, Codable, CaseIterable {
    /// The whole image resized to size x size, ignoring its aspect ratio. The default and
    /// what the product asks for: nothing at the edges of a photo is cut off, at the cost of
    /// stretching it.
    case squash
    /// torchvision's ImageNet evaluation transform: resize so the short side is
    /// `size * 256 / 224` (256 for 224), then cut the central size x size square. Keeps the
    /// aspect ratio and matches how published VGG16 accuracy is measured, but drops the
    /// edges of non-square photos.
    case centerCrop = "center-crop"
}

// Both print as they are written in the index, on the command line and in result lines.
extension Preprocessing: CustomStringConvertible {
    public var description: String { rawValue }
}

extension ResizePolicy: CustomStringConvertible {
    public var description: String { rawValue }
}

/// What a model's results did with embedded colour profiles (`ColorProfile` in VGGImaging):
/// converted them to sRGB, or took the numbers as they are stored (what models recorded
/// before profiles were read did). One model keeps one handling, so its vectors compare alike.
public enum ColorHandling: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case srgb
    case asStored = "as-stored"

    public var description: String { rawValue }
}
