import VGGIndexTypes
import ArgumentParser
import Foundation
import VGGImaging
import VGGInference
import VGGModel
import VGGPipeline
import VGGCommon
import VGGIndexing

extension ResizePolicy: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension ColorHandling: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// A thread count that defaults to every core.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads (default: all cores).")
    var threads: Int?

    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1...256, got \(threads).") }
    }
}

/// Options every command that reads images shares.
struct ImageOptions: ParsableArguments {
    @Option(help: "How images become 224x224: 'squash' (the default) resizes the whole image, 'center-crop' resizes the short side to 256 and crops the centre.")
    var resize: ResizePolicy?

    @Option(parsing: .unconditional, help: ArgumentHelp("Reject images with more pixels than this (checked from the header before decoding).", valueName: "pixels"))
    var maxPixels: Int = DecodeOptions.defaultMaxPixels

    @Flag(name: .customLong("no-dct-scaling"), help: "Decode JPEGs at full size instead of the smallest DCT scale (1/2, 1/4, 1/8) that still covers the resize.")
    var noDCTScaling = false

    @Option(help: ArgumentHelp(
        "Embedded colour profiles (an iPhone's Display P3): 'srgb' converts them to sRGB (the default for a new model), 'as-stored' ignores them as torchvision and Pillow do. An index's model keeps its own.",
        valueName: "handling"))
    var color: ColorHandling?

    func validate() throws {
        if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1, got \(maxPixels).") }
    }

    var preparation: ImagePreparation {
        ImagePreparation(policy: resize ?? .squash, maxPixels: maxPixels, dctScaling: !noDCTScaling, color: color ?? .srgb)
    }

    /// The preparation for `model`'s (square) input; `policy` is the resize policy when none
    /// was given (the index's model's, for a rescan).
    func preparation(for model: LoadedModel, default policy: ResizePolicy? = nil, color defaultColor: ColorHandling? = nil) throws -> ImagePreparation {
        var options = preparation
        options.policy = resize ?? policy ?? .squash
        options.color = color ?? defaultColor ?? .srgb
        do throws(InferenceError) {
            return try model.preparation(options)
        } catch {
            throw CommandFailure(error.reason)
        }
    }
}

extension ResultLine.FeatureEncoding: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// How a walk chooses files, shared by `scan` and `list` so both take the same files.
struct WalkArguments: ParsableArguments {
    @Flag(help: "Follow symbolic links (loops are detected and skipped).")
    var followSymlinks = false

    @Flag(help: "Include hidden files and folders and system folders (.git, @eaDir, node_modules, ...).")
    var includeHidden = false

    var options: WalkOptions { WalkOptions(includeHidden: includeHidden, followSymlinks: followSymlinks) }

    /// Refuses, before anything is written, a folder that is not there or is not a folder.
    static func requireFolders(_ directories: [String], fileHint: String) throws {
        for directory in directories {
            switch PathBytes.kind(directory) {
            case .directory: continue
            case .missing: throw CommandFailure("\(directory): no such folder")
            case .file, .other: throw CommandFailure("\(directory): not a folder\(fileHint)")
            }
        }
    }
}
