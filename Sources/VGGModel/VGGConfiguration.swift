/// The network configurations of the VGG paper (Simonyan & Zisserman, "Very Deep
/// Convolutional Networks for Large-Scale Image Recognition", 2015, Table 1): A (VGG11) to
/// E (VGG19). Five blocks of convolutions of widths 64, 128, 256, 512, 512, each block
/// followed by a 2×2 max-pool, then FC-4096, FC-4096 and FC-1000. The engine runs D only.
public enum VGGConfiguration: String, Sendable, Codable, CaseIterable {
    case a = "A"
    case b = "B"
    /// D's depth with the third convolution of blocks 3 to 5 a 1×1 convolution.
    case c = "C"
    /// VGG16, the one vggbatch computes.
    case d = "D"
    case e = "E"

    /// The channel count of each block's convolutions.
    public static let blockWidths = [64, 128, 256, 512, 512]

    /// The kernel size of every convolution, block by block.
    public var blocks: [[Int]] {
        switch self {
        case .a: [[3], [3], [3, 3], [3, 3], [3, 3]]
        case .b: [[3, 3], [3, 3], [3, 3], [3, 3], [3, 3]]
        case .c: [[3, 3], [3, 3], [3, 3, 1], [3, 3, 1], [3, 3, 1]]
        case .d: [[3, 3], [3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]]
        case .e: [[3, 3], [3, 3], [3, 3, 3, 3], [3, 3, 3, 3], [3, 3, 3, 3]]
        }
    }

    /// Convolutions plus the three fully connected layers: 11, 13, 16, 16, 19.
    public var weightLayers: Int { blocks.reduce(0) { $0 + $1.count } + 3 }

    /// The name people use for it.
    public var commonName: String {
        switch self {
        case .c: "VGG16 (configuration C)"
        default: "VGG\(weightLayers)"
        }
    }

    /// Whether vggbatch's engine computes this configuration (D only).
    public var isComputed: Bool { self == .d }
}
