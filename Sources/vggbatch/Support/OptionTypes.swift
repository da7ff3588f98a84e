import ArgumentParser
import VGGImaging
import VGGModel

extension ResizePolicy: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Options every command that reads images shares.
struct ImageOptions: ParsableArguments {
    @Option(help: "How images become 224x224: 'squash' resizes the whole image, 'center-crop' resizes the short side to 256 and crops the centre.")
    var resize: ResizePolicy = .squash

    @Option(help: ArgumentHelp("Reject images with more pixels than this (checked from the header before decoding).", valueName: "pixels"))
    var maxPixels: Int = DecodeOptions.defaultMaxPixels

    @Flag(name: .customLong("no-dct-scaling"), help: "Decode JPEGs at full size instead of the smallest DCT scale (1/2, 1/4, 1/8) that still covers the resize.")
    var noDCTScaling = false

    func validate() throws {
        if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1, got \(maxPixels).") }
    }

    var preparation: ImagePreparation {
        ImagePreparation(policy: resize, maxPixels: maxPixels, dctScaling: !noDCTScaling)
    }

    /// The preparation for a network's (square) input size.
    func preparation(for architecture: VGGArchitecture) throws -> ImagePreparation {
        guard architecture.inputHeight == architecture.inputWidth else {
            throw CommandFailure("the network's input is \(architecture.inputHeight)x\(architecture.inputWidth); only square inputs are supported")
        }
        var preparation = self.preparation
        preparation.size = architecture.inputHeight
        return preparation
    }
}

extension ImageNetLabels {
    /// The class indices a `--label` argument names, or a one-line failure when none.
    static func classes(named label: String) throws -> Set<Int> {
        let matches = matching(label)
        if matches.isEmpty { throw CommandFailure("unknown label \"\(label)\" (use an ImageNet label such as \"tabby\" or a WordNet id)") }
        return Set(matches.map(\.index))
    }
}
