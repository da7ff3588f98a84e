import VGGCommon
import ArgumentParser
import Foundation
import VGGImaging

/// Decode + orient + resize + preprocess throughput on one core.
struct ImagingBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imaging",
        abstract: "Time decode, orientation, resize and preprocessing of one image on one core.",
        discussion: """
            Files are read into memory first, so disk and page cache are not timed. Runs the \
            samples folder and a generated 12 MP JPEG (or the --large files), once per DCT \
            rule, and prints the median, minimum and maximum milliseconds per image. A rule is \
            off (full decode), Nx (decoded sides at least N times what the resize needs, scales \
            1/2, 1/4, 1/8) or Nx-eighths (any libjpeg-turbo scale M/8); "default" is what scan \
            uses.
            """)

    @Option(help: "Folder of sample photos.")
    var samples = "samples"

    @Option(help: "Timed repetitions per case (after one warm-up).")
    var repetitions = 15

    @Option(help: "How images become 224x224: squash or center-crop.")
    var resize = ResizePolicy.squash.rawValue

    @Option(name: .customLong("rule"), help: "DCT rules to time (repeatable): default, off, Nx or Nx-eighths.")
    var rules = ["default", "off"]

    @Option(name: .customLong("large"), help: "Large files (any format vggbatch reads) to time instead of the generated 12 MP JPEG (repeatable).")
    var largeFiles = [String]()

    @Option(help: "Which library decodes HEIC tiles: fastest (libavcodec where installed) or libde265.")
    var hevc = DecodeOptions.HEVCDecoder.fastest.rawValue

    @Flag(help: "Print the results as one JSON object.")
    var json = false

    func validate() throws {
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1.") }
        for rule in rules where DCTRule(rule) == nil {
            throw ValidationError("--rule \(rule): expected default, off, Nx or Nx-eighths (N from 1 to 8).")
        }
        if ResizePolicy(rawValue: resize) == nil { throw ValidationError("--resize must be squash or center-crop.") }
        if DecodeOptions.HEVCDecoder(rawValue: hevc) == nil { throw ValidationError("--hevc must be fastest or libde265.") }
    }

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: samples)
            .filter { ImageFormat.sniff(FileManager.default.contents(atPath: "\(samples)/\($0)") ?? Data()) != nil }
            .sorted()
            .map { name -> (String, [UInt8]) in
                (name, [UInt8](FileManager.default.contents(atPath: "\(samples)/\(name)") ?? Data()))
            }
        if files.isEmpty { throw ValidationError("No JPEG or PNG files in \(samples).") }
        let large: [(String, [UInt8])]
        if largeFiles.isEmpty {
            large = [try makeTwelveMegapixelJPEG(from: files)]
        } else {
            large = try largeFiles.map { path in
                guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                return (path, [UInt8](data))
            }
        }
        let largeName = largeFiles.isEmpty ? "12 MP JPEG (\(large[0].1.count / 1024) KiB)" : "--large (\(large.count) files)"

        var rows = [BenchmarkRow]()
        for rule in rules.compactMap(DCTRule.init) {
            var preparation = rule.preparation(policy: ResizePolicy(rawValue: resize) ?? .squash)
            preparation.hevcDecoder = DecodeOptions.HEVCDecoder(rawValue: hevc) ?? .fastest
            try verify(preparation, files: files + large)
            rows.append(try measure("samples (\(files.count) files)", rule: rule, files: files, preparation: preparation))
            rows.append(try measure(largeName, rule: rule, files: large, preparation: preparation))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            print("case                                dct rule     median ms   min ms   max ms   images/s/core")
            for row in rows {
                print(
                    row.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                        + row.rule.padding(toLength: 10, withPad: " ", startingAt: 0) + format(row.medianMilliseconds, 12)
                        + format(row.minMilliseconds, 9) + format(row.maxMilliseconds, 9)
                        + format(1000 / row.medianMilliseconds, 16))
            }
        }
    }

    /// Every file must give a 224x224 image and a finite tensor before anything is timed.
    private func verify(_ preparation: ImagePreparation, files: [(String, [UInt8])]) throws {
        for (name, bytes) in files {
            let prepared = try preparation.prepare(bytes: bytes, path: name)
            guard prepared.resized.width == 224, prepared.resized.height == 224 else {
                throw ValidationError("\(name) resized to \(prepared.resized.width)x\(prepared.resized.height)")
            }
            guard Preprocessing.torch.tensor(from: prepared.resized).allSatisfy(\.isFinite) else {
                throw ValidationError("\(name) produced a non-finite tensor")
            }
        }
    }

    /// Median over repetitions of the mean time per image for one pass over `files`.
    private func measure(_ name: String, rule: DCTRule, files: [(String, [UInt8])], preparation: ImagePreparation) throws -> BenchmarkRow {
        var tensor = [Float](repeating: 0, count: 3 * 224 * 224)
        var samples = [Double]()
        for repetition in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            for (path, bytes) in files {
                let prepared = try preparation.prepare(bytes: bytes, path: path)
                tensor.withUnsafeMutableBufferPointer { Preprocessing.torch.write(prepared.resized, into: $0) }
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(files.count)
            if repetition > 0 { samples.append(elapsed) }  // repetition 0 warms caches
        }
        samples.sort()
        return BenchmarkRow(
            name: name, rule: rule.name, medianMilliseconds: samples[samples.count / 2],
            minMilliseconds: samples[0], maxMilliseconds: samples[samples.count - 1], repetitions: repetitions)
    }

    /// A 4000x3000 JPEG made from the widest sample: upscaled, with seeded noise added so it
    /// compresses like a real photo (~2 bits per pixel) rather than like a smooth gradient.
    private func makeTwelveMegapixelJPEG(from files: [(String, [UInt8])]) throws -> (String, [UInt8]) {
        let decoded = try files.map { try ImageDecoder.decode(bytes: $0.1, path: $0.0).image }
        guard let widest = decoded.max(by: { $0.width * $0.height < $1.width * $1.height }) else {
            throw ValidationError("no sample decoded")
        }
        var image = Resampler.resize(widest, width: 4000, height: 3000)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in image.pixels.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Int((state >> 59)) - 16
            image.pixels[i] = UInt8(clamping: Int(image.pixels[i]) + noise)
        }
        return ("generated-12mp.jpg", try ImageEncoder.jpeg(image, quality: 90))
    }

    private func format(_ value: Double, _ width: Int) -> String {
        let text = String(format: "%.2f", value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// One benchmark case's timing.
struct BenchmarkRow: Encodable {
    let name: String
    let rule: String
    let medianMilliseconds: Double
    let minMilliseconds: Double
    let maxMilliseconds: Double
    let repetitions: Int
}

/// How a benchmark decodes large JPEGs: "default" (what scan does), "off", "Nx" or "Nx-eighths".
struct DCTRule {
    let name: String
    let scaling: Bool
    let margin: Int
    let eighths: Bool

    init?(_ name: String) {
        self.name = name
        switch name {
        case "default":
            (scaling, margin, eighths) = (true, ImagePreparation.defaultDCTMargin, ImagePreparation.defaultDCTEighths)
        case "off":
            (scaling, margin, eighths) = (false, 1, false)
        default:
            let parts = name.split(separator: "-", maxSplits: 1)
            guard let first = parts.first, first.hasSuffix("x"), let n = Int(first.dropLast()), (1...8).contains(n),
                parts.count == 1 || parts[1] == "eighths"
            else { return nil }
            (scaling, margin, eighths) = (true, n, parts.count == 2)
        }
    }

    func preparation(policy: ResizePolicy) -> ImagePreparation {
        ImagePreparation(policy: policy, dctScaling: scaling, dctMargin: margin, dctEighths: eighths)
    }
}
