extension VGGArchitecture {
    /// Metadata key under which vggbatch records a non-standard architecture in the files
    /// it writes. Published VGG16 files have no such key and are VGG16.
    public static let metadataKey = "vggbatch.architecture"

    /// Configuration D with the small widths used for fast end-to-end tests: 32×32 input,
    /// convolutions of 4 to 16 channels, 32-wide hidden layers and the real 1000 classes.
    public static let tiny = configurationD(
        convolutionChannels: [4, 4, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16],
        hiddenWidth: 32, classes: 1000, inputHeight: 32, inputWidth: 32)

    /// "D:<13 conv widths>:<hidden>:<classes>:<H>x<W>", e.g. "D:64,64,...:4096:1000:224x224";
    /// hidden and classes are 0 for a convolutions-only network.
    public var metadataValue: String {
        let widths = convolutions.map { String($0.outputChannels) }.joined(separator: ",")
        let hidden = hasClassifier ? featureWidth : 0
        return "D:\(widths):\(hidden):\(classCount):\(inputHeight)x\(inputWidth)"
    }

    /// Parses `metadataValue`'s format; nil when it is malformed or out of sane bounds.
    public init?(metadataValue: String) {
        let parts = metadataValue.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "D" else { return nil }
        let widths = parts[1].split(separator: ",").compactMap { Int($0) }
        let size = parts[4].split(separator: "x").compactMap { Int($0) }
        guard widths.count == 13, widths.allSatisfy({ (1...4096).contains($0) }),
            let hidden = Int(parts[2]), (0...65536).contains(hidden),
            let classes = Int(parts[3]), (0...100_000).contains(classes), (hidden == 0) == (classes == 0),
            size.count == 2, size.allSatisfy({ (32...4096).contains($0) })
        else { return nil }
        if hidden == 0 {
            self = VGGArchitecture.convolutionsOnly(convolutionChannels: widths, inputHeight: size[0], inputWidth: size[1])
            return
        }
        self = VGGArchitecture.configurationD(
            convolutionChannels: widths, hiddenWidth: hidden, classes: classes, inputHeight: size[0], inputWidth: size[1])
    }
}
