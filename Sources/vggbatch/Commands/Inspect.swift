import VGGIndexTypes
import ArgumentParser
import Foundation
import VGGCommon
import VGGImaging
import VGGQuery

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

        @Argument(help: ArgumentHelp("Image files (JPEG, PNG, HEIC, AVIF, WebP, TIFF or camera RAW, recognised by content).", valueName: "image"))
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
            if let dumpResized, images.count > 1, PathBytes.kind(dumpResized) != .directory {
                throw ValidationError("--dump-resized must name an existing directory when several images are given.")
            }
        }

        func run() throws {
            let preparation = imageOptions.preparation
            var failures = 0
            var written = Set<String>()
            for path in images {
                do throws(ImagingError) {
                    let prepared = try preparation.prepare(contentsOf: path)
                    var dumped: String?
                    if let dumpResized { dumped = try dump(prepared.resized, for: path, to: dumpResized, avoiding: &written) }
                    print(json ? Self.record(path: path, info: prepared.info, resizedPNG: dumped)
                                : describe(path: path, info: prepared.info, policy: preparation.policy, dumped: dumped))
                } catch {
                    failures += 1
                    if json {
                        print(JSONText.object(JSONText.path("path", ArgumentBytes.bytes(of: path)) + [
                            ("error", JSONText.string(error.reason)), ("error_kind", JSONText.string(error.kind)),
                        ]))
                    } else {
                        printError("\(path): error: \(error.reason)")
                    }
                }
            }
            if failures > 0 { throw ExitCode.failure }
        }

        /// Writes the network view of `path` as a PNG: to `target`, or into it when it is a
        /// folder, named after the input; inputs with the same name (from different folders)
        /// get "-2", "-3"... rather than overwriting each other's view.
        private func dump(_ image: RGBImage, for path: String, to target: String, avoiding written: inout Set<String>) throws(ImagingError) -> String {
            var output = target
            if PathBytes.kind(target) == .directory {
                let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                var number = 1
                repeat {
                    let suffix = number == 1 ? "" : "-\(number)"
                    output = URL(fileURLWithPath: target).appendingPathComponent("\(stem)\(suffix).\(image.width)x\(image.height).png").path
                    number += 1
                } while written.contains(output)
            }
            written.insert(output)
            let bytes = try ImageEncoder.png(image)
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw .unreadable(path: output, reason: "cannot write the resized image: \(error.localizedDescription)")
            }
            return output
        }

        /// `inspect --json` line for a decoded image. Field names are part of the CLI contract.
        static func record(path: String, info: ImageInfo, resizedPNG: String?) -> String {
            var fields: [(String, String)] = JSONText.path("path", ArgumentBytes.bytes(of: path)) + [
                ("format", JSONText.string(info.format.rawValue)),
                ("stored_width", "\(info.storedWidth)"), ("stored_height", "\(info.storedHeight)"),
                ("orientation", "\(info.orientation.rawValue)"),
                ("upright_width", "\(info.uprightWidth)"), ("upright_height", "\(info.uprightHeight)"),
                ("bit_depth", "\(info.bitDepth)"), ("color_model", JSONText.string(info.colorModel)),
                ("has_alpha", "\(info.hasAlpha)"), ("interlaced", "\(info.interlaced)"), ("arithmetic_coded", "\(info.arithmeticCoded)"),
                ("dct_scale", JSONText.string("\(info.dctScale)")),
                ("decoded_width", "\(info.decodedWidth)"), ("decoded_height", "\(info.decodedHeight)"),
                ("warnings", "\(info.warningCount)"),
            ]
            if let detail = info.detail { fields.append(("decoder", JSONText.string(detail))) }
            fields.append(("color_profile", JSONText.string("\(info.colorProfile)")))
            if let warning = info.firstWarning { fields.append(("warning", JSONText.string(warning))) }
            if let resizedPNG { fields.append(("resized_png", JSONText.string(resizedPNG))) }
            return JSONText.object(fields)
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
            ] + (info.detail.map { ["  decoder       \($0)"] } ?? []) + [
                "  stored size   \(info.storedWidth)x\(info.storedHeight)",
                "  orientation   \(info.orientation.rawValue) (\(orientationText(info.orientation)))",
                "  upright size  \(info.uprightWidth)x\(info.uprightHeight)",
                "  decoded at    \(info.decodedWidth)x\(info.decodedHeight) (DCT scale \(info.dctScale))",
                "  resize        \(policy.rawValue) to 224x224",
            ]
            if info.hasAlpha { lines.append("  alpha         composited over white") }
            lines.append("  colour        \(info.colorProfile)")
            if let warning = info.firstWarning {
                lines.append("  warnings      \(info.warningCount) (first: \(warning))")
            }
            if let dumped { lines.append("  wrote         \(dumped)") }
            return lines.joined(separator: "\n")
        }
    }
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
