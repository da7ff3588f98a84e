import ArgumentParser
import Foundation
import VGGImaging

extension VGGBatch {
    /// `vggbatch inspect`: what a file is and what the network will see of it.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode images and show format, sizes, orientation and how they are scaled.",
            discussion: """
                Exits 1 if any image fails to decode; each failure is printed with its reason.
                With --dump-resized, writes the upright 224x224 RGB image the network will see \
                (after resizing, before mean subtraction) as a PNG.
                """)

        @Argument(help: ArgumentHelp("Image files (JPEG or PNG, recognised by content).", valueName: "image"))
        var images: [String]

        @OptionGroup var imageOptions: ImageOptions

        @Option(help: ArgumentHelp(
            "Write the 224x224 network view as PNG: a file for one image, or a directory (which must exist) for several.",
            valueName: "out.png"))
        var dumpResized: String?

        @Flag(help: "Print one JSON object per image per line.")
        var json = false

        func validate() throws {
            if images.isEmpty { throw ValidationError("Give at least one image.") }
            if let dumpResized, images.count > 1, !isDirectory(dumpResized) {
                throw ValidationError("--dump-resized must name an existing directory when several images are given.")
            }
        }

        func run() throws {
            let preparation = imageOptions.preparation
            var failures = 0
            for path in images {
                do throws(ImagingError) {
                    let prepared = try preparation.prepare(contentsOf: path)
                    var dumped: String?
                    if let dumpResized { dumped = try dump(prepared.resized, for: path, to: dumpResized) }
                    print(json ? JSONLine.encode(InspectRecord(path: path, info: prepared.info, resizedPNG: dumped))
                                : describe(path: path, info: prepared.info, policy: preparation.policy, dumped: dumped))
                } catch {
                    failures += 1
                    if json {
                        print(JSONLine.encode(InspectFailure(path: path, error: error.reason, errorKind: error.kind)))
                    } else {
                        printError("\(path): error: \(error.reason)")
                    }
                }
            }
            if failures > 0 { throw ExitCode.failure }
        }

        private func dump(_ image: RGBImage, for path: String, to target: String) throws(ImagingError) -> String {
            var output = target
            if isDirectory(target) {
                let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                output = URL(fileURLWithPath: target).appendingPathComponent("\(stem).\(image.width)x\(image.height).png").path
            }
            let bytes = try ImageEncoder.png(image)
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw .unreadable(path: output, reason: "cannot write the resized image: \(error.localizedDescription)")
            }
            return output
        }

        private func describe(path: String, info: ImageInfo, policy: ResizePolicy, dumped: String?) -> String {
            var kind = [String]()
            if info.format == .jpeg {
                kind.append(info.interlaced ? "progressive" : "baseline")
                if info.arithmeticCoded { kind.append("arithmetic") }
            } else if info.interlaced {
                kind.append("Adam7 interlaced")
            }
            kind.append("\(info.bitDepth)-bit")
            kind.append(info.colorModel + (info.hasAlpha && info.colorModel != "rgba" && info.colorModel != "gray+alpha" ? "+transparency" : ""))
            var lines = [
                path,
                "  format        \(info.format.rawValue) (\(kind.joined(separator: ", ")))",
                "  stored size   \(info.storedWidth)x\(info.storedHeight)",
                "  orientation   \(info.orientation.rawValue) (\(orientationText(info.orientation)))",
                "  upright size  \(info.uprightWidth)x\(info.uprightHeight)",
                "  decoded at    \(info.decodedWidth)x\(info.decodedHeight) (DCT scale 1/\(info.dctScaleDenominator))",
                "  resize        \(policy.rawValue) to 224x224",
            ]
            if info.hasAlpha { lines.append("  alpha         composited over white") }
            if let warning = info.firstWarning {
                lines.append("  warnings      \(info.warningCount) (first: \(warning))")
            }
            if let dumped { lines.append("  wrote         \(dumped)") }
            return lines.joined(separator: "\n")
        }
    }
}

private func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}

private func orientationText(_ orientation: Orientation) -> String {
    switch orientation.rawValue {
    case 1: return "upright"
    case 2: return "mirrored horizontally"
    case 3: return "rotated 180°"
    case 4: return "mirrored vertically"
    case 5: return "transposed"
    case 6: return "rotated 90° clockwise to display"
    case 7: return "transversed"
    default: return "rotated 90° counter-clockwise to display"
    }
}

/// `inspect --json` line for a decoded image. Field names are part of the CLI contract.
private struct InspectRecord: Encodable {
    let path: String
    let info: ImageInfo
    let resizedPNG: String?

    enum CodingKeys: String, CodingKey {
        case path, format, storedWidth = "stored_width", storedHeight = "stored_height", orientation
        case uprightWidth = "upright_width", uprightHeight = "upright_height", bitDepth = "bit_depth"
        case colorModel = "color_model", hasAlpha = "has_alpha", interlaced, arithmeticCoded = "arithmetic_coded"
        case dctScale = "dct_scale_denominator", decodedWidth = "decoded_width", decodedHeight = "decoded_height"
        case warnings, warning, resizedPNG = "resized_png"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(info.format.rawValue, forKey: .format)
        try c.encode(info.storedWidth, forKey: .storedWidth)
        try c.encode(info.storedHeight, forKey: .storedHeight)
        try c.encode(info.orientation.rawValue, forKey: .orientation)
        try c.encode(info.uprightWidth, forKey: .uprightWidth)
        try c.encode(info.uprightHeight, forKey: .uprightHeight)
        try c.encode(info.bitDepth, forKey: .bitDepth)
        try c.encode(info.colorModel, forKey: .colorModel)
        try c.encode(info.hasAlpha, forKey: .hasAlpha)
        try c.encode(info.interlaced, forKey: .interlaced)
        try c.encode(info.arithmeticCoded, forKey: .arithmeticCoded)
        try c.encode(info.dctScaleDenominator, forKey: .dctScale)
        try c.encode(info.decodedWidth, forKey: .decodedWidth)
        try c.encode(info.decodedHeight, forKey: .decodedHeight)
        try c.encode(info.warningCount, forKey: .warnings)
        try c.encodeIfPresent(info.firstWarning, forKey: .warning)
        try c.encodeIfPresent(resizedPNG, forKey: .resizedPNG)
    }
}

/// `inspect --json` line for a file that failed.
private struct InspectFailure: Encodable {
    let path: String
    let error: String
    let errorKind: String

    enum CodingKeys: String, CodingKey {
        case path, error, errorKind = "error_kind"
    }
}
