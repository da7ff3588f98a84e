import Foundation
import VGGCommon
import VGGIndexTypes
import VGGModel
import VGGPipeline

/// One image's result as a line of JSON: what `classify --files-from` writes and
/// `vggbatch import` reads back into an index. A line names its file and carries everything
/// the index stores for it (size, modification time, content fingerprint, upright size, top
/// classes, feature vector, pooled descriptors) and the model that computed it, so lines from any number of
/// machines can be merged without knowing how they were produced.
public struct ResultLine: Sendable {
    /// How the feature vector is written.
    public enum FeatureEncoding: String, Sendable, CaseIterable {
        /// `"fc7": [0.0, 1.25, ...]`: JSON numbers, each the shortest text that reads back
        /// as the same float.
        case json
        /// `"fc7_base64": "..."`: the little-endian float32 bytes in base64 (a third the size).
        case base64F32 = "base64-f32"
    }

    public var path: [UInt8]
    public var size: Int64
    public var mtimeNanoseconds: Int64
    /// Nil when the file could not be read.
    public var fingerprint: [UInt8]?
    public var width: Int
    public var height: Int
    /// The top classes and the vectors; a vector the line was written without is empty
    /// (the descriptors go with the feature vector; a failed file's line has none of them).
    public var result: ImageResult
    /// What the file's content was decoded as (nil in lines from before it was written).
    public var format: ImageFormat?
    /// Why the file has no results, for a file that failed.
    public var error: String?
    public var model: ModelRegistration

    public init(
        path: [UInt8], size: Int64, mtimeNanoseconds: Int64, fingerprint: [UInt8]?, width: Int, height: Int, result: ImageResult,
        error: String?, model: ModelRegistration, format: ImageFormat? = nil
    ) {
        self.format = format
        self.path = path
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.fingerprint = fingerprint
        self.width = width
        self.height = height
        self.result = result
        self.error = error
        self.model = model
    }

    /// The line for a record of the streaming pipeline (`indexed` or `failed`); nil for any other.
    public init?(_ record: ScanRecord, model: ModelRegistration) {
        switch record {
        case .indexed(let file, _, let fingerprint, let width, let height, let output, let format):
            self.init(
                path: file.absolutePath, size: file.stat.size, mtimeNanoseconds: file.stat.mtimeNanoseconds,
                fingerprint: fingerprint, width: width, height: height, result: output, error: nil, model: model, format: format)
        case .failed(let file, _, let fingerprint, let reason):
            self.init(
                path: file.absolutePath, size: file.stat.size, mtimeNanoseconds: file.stat.mtimeNanoseconds,
                fingerprint: fingerprint, width: 0, height: 0, result: ImageResult(top: [], features: []), error: reason, model: model)
        default:
            return nil
        }
    }

    // MARK: Writing

    /// The line, without its newline. `features` nil leaves the vector out.
    public func json(features encoding: FeatureEncoding?) -> String {
        // A name that is not UTF-8 still comes back byte for byte.
        var fields = JSONText.path("path", path)
        fields.append(("size", "\(size)"))
        fields.append(("mtime_ns", "\(mtimeNanoseconds)"))
        if let fingerprint { fields.append(("fingerprint", JSONText.string(Hex.encode(fingerprint)))) }
        if let error {
            fields.append(("error", JSONText.string(error)))
        } else {
            fields.append(("width", "\(width)"))
            fields.append(("height", "\(height)"))
            if let format { fields.append(("format", JSONText.string(format.rawValue))) }
            fields.append(("top", JSONText.array(result.top.map { index, probability in
                let item = ImageNetLabels.at(index)
                return JSONText.object([
                    ("index", "\(index)"), ("wnid", JSONText.string(item?.wnid ?? "")), ("label", JSONText.string(item?.label ?? "")),
                    ("probability", JSONText.number(probability)),
                ])
            })))
            if let encoding { fields += Self.vectorFields(result, encoding: encoding) }
        }
        var identity = [("weights_sha256", JSONText.string(model.weightsSHA256))]
        if let name = model.name { identity.append(("name", JSONText.string(name))) }
        identity += [
            ("architecture", JSONText.string(model.architecture.metadataValue)), ("preprocessing", JSONText.string(model.preprocessing.rawValue)),
            ("resize", JSONText.string(model.resizePolicy.rawValue)), ("dimension", "\(model.featureDimension)"),
            ("precision", JSONText.string(model.precision.rawValue)), ("color", JSONText.string(model.color.rawValue)),
        ]
        if let base = model.convolutionBase { identity.append(("convolution_base", JSONText.string(base))) }
        fields.append(("model", JSONText.object(identity)))
        return JSONText.object(fields)
    }

    // MARK: Reading

    /// A line that cannot be read back, with the reason.
    public struct FormatError: Error, Sendable {
        public var reason: String
    }

    /// Parses a line written by `json(features:)`.
    public static func parse(_ line: [UInt8]) throws(FormatError) -> ResultLine {
        let value: StrictJSON.Value
        do {
            value = try StrictJSON.parse(line)
        } catch {
            throw FormatError(reason: "not JSON (\(error))")
        }
        guard case .object(let fields) = value else { throw FormatError(reason: "not a JSON object") }
        let object = Fields(fields)
        let path: [UInt8]
        if let encoded = try object.string("path_base64") {
            guard let data = Data(base64Encoded: encoded) else { throw FormatError(reason: "path_base64 is not base64") }
            path = Array(data)
        } else {
            guard let text = try object.string("path") else { throw FormatError(reason: "no \"path\"") }
            path = Array(text.utf8)
        }
        guard !path.isEmpty else { throw FormatError(reason: "an empty \"path\"") }
        guard case .object(let modelFields)? = object["model"] else { throw FormatError(reason: "no \"model\" object") }
        let model = try Self.model(Fields(modelFields))
        guard let size = try object.integer("size"), let mtime = try object.integer("mtime_ns") else {
            throw FormatError(reason: "no \"size\" or \"mtime_ns\"")
        }
        var fingerprint: [UInt8]?
        if let hex = try object.string("fingerprint") {
            guard let bytes = Hex.decode(hex) else { throw FormatError(reason: "\"fingerprint\" is not hex") }
            fingerprint = bytes
        }
        var line = ResultLine(
            path: path, size: size, mtimeNanoseconds: mtime, fingerprint: fingerprint, width: 0, height: 0,
            result: ImageResult(top: [], features: []), error: try object.string("error"), model: model)
        if line.error != nil { return line }
        guard let width = try object.integer("width"), let height = try object.integer("height") else {
            throw FormatError(reason: "no \"width\" or \"height\"")
        }
        line.width = Int(width)
        line.height = Int(height)
        if let format = try object.string("format") {
            guard let known = ImageFormat(rawValue: format) else { throw FormatError(reason: "\"format\" \"\(format)\" is not one vggbatch reads") }
            line.format = known
        }
        guard case .array(let items)? = object["top"] else { throw FormatError(reason: "no \"top\" array") }
        let top = try items.map { (item) throws(FormatError) -> (index: Int, probability: Float) in
            guard case .object(let entry) = item, let index = try Fields(entry).integer("index"),
                let probability = try Fields(entry).float("probability")
            else { throw FormatError(reason: "a \"top\" entry without index or probability") }
            return (Int(index), probability)
        }
        let features = try vector("fc7", in: object)
        if let features, features.count != model.featureDimension {
            throw FormatError(reason: "\(features.count) features where the model has \(model.featureDimension)")
        }
        let gem = try vector("gem", in: object)
        let rmac = try vector("rmac", in: object)
        guard (gem == nil) == (rmac == nil) else { throw FormatError(reason: "\"gem\" without \"rmac\", or the reverse") }
        let descriptorWidth = model.architecture.descriptorWidth
        for (name, descriptor) in [("gem", gem), ("rmac", rmac)] {
            guard let descriptor else { continue }
            if descriptor.count != descriptorWidth {
                throw FormatError(reason: "\(descriptor.count) \(name) values where the model has \(descriptorWidth)")
            }
            // Unit length (or all zeros, for a black image): search relies on it.
            let norm = descriptor.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            guard !descriptor.isEmpty, norm.isFinite, norm == 0 || abs(norm - 1) < 1e-3 else {
                throw FormatError(reason: "\"\(name)\" is not a unit vector (length \(norm))")
            }
        }
        line.result = ImageResult(top: top, features: features ?? [], gem: gem ?? [], rmac: rmac ?? [])
        return line
    }

    /// The "model" object of a line.
    private static func model(_ m: Fields) throws(FormatError) -> ModelRegistration {
        guard let sha = try m.string("weights_sha256"), let architecture = try m.string("architecture"),
            let preprocessing = try m.string("preprocessing"), let resize = try m.string("resize"),
            let dimension = try m.integer("dimension")
        else { throw FormatError(reason: "\"model\" lacks weights_sha256, architecture, preprocessing, resize or dimension") }
        guard let parsedArchitecture = VGGArchitecture(metadataValue: architecture) else {
            throw FormatError(reason: "\"architecture\" \"\(architecture)\" is not a VGG architecture vggbatch knows")
        }
        guard let parsedPreprocessing = Preprocessing(rawValue: preprocessing) else {
            throw FormatError(reason: "\"preprocessing\" \"\(preprocessing)\": expected torch or caffe")
        }
        guard let parsedResize = ResizePolicy(rawValue: resize) else {
            throw FormatError(reason: "\"resize\" \"\(resize)\": expected squash or center-crop")
        }
        // Lines written before they carried them were float32 and ignored colour profiles.
        let color = try m.string("color")
        guard let parsedColor = color.map({ ColorHandling(rawValue: $0) }) ?? .asStored else {
            throw FormatError(reason: "\"color\" \"\(color ?? "")\": expected srgb or as-stored")
        }
        let precision = try m.string("precision")
        guard let parsedPrecision = precision.map({ ComputePrecision(rawValue: $0) }) ?? .f32 else {
            throw FormatError(reason: "\"precision\" \"\(precision ?? "")\": expected f32 or bf16")
        }
        return ModelRegistration(
            weightsSHA256: sha, name: try m.string("name"), architecture: parsedArchitecture, preprocessing: parsedPreprocessing,
            resizePolicy: parsedResize, featureDimension: Int(dimension), convolutionBase: try m.string("convolution_base"),
            precision: parsedPrecision, color: parsedColor)
    }

    /// The vector `name` (JSON numbers) or `name_base64` (float32 bytes), if the line has it.
    private static func vector(_ name: String, in object: Fields) throws(FormatError) -> [Float]? {
        if case .array(let numbers)? = object[name] {
            return try numbers.map { (number) throws(FormatError) in
                guard case .number(let text) = number, let value = Float(text) else { throw FormatError(reason: "\"\(name)\" holds a non-number") }
                return value
            }
        }
        guard let encoded = try object.string(name + "_base64") else { return nil }
        guard let data = Data(base64Encoded: encoded), let values = FloatCodec.decode([UInt8](data)) else {
            throw FormatError(reason: "\"\(name)_base64\" is not base64 of float32 values")
        }
        return values
    }

    /// An object's fields by name, with typed reads that fail on the wrong type.
    private struct Fields {
        let values: [String: StrictJSON.Value]

        init(_ fields: [(key: String, value: StrictJSON.Value)]) {
            values = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        }

        subscript(key: String) -> StrictJSON.Value? { values[key] }

        func string(_ key: String) throws(FormatError) -> String? {
            switch values[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw FormatError(reason: "\"\(key)\" is not a string")
            }
        }

        func integer(_ key: String) throws(FormatError) -> Int64? {
            switch values[key] {
            case nil, .null?: return nil
            case .number(let text)?:
                guard let value = Int64(text) else { throw FormatError(reason: "\"\(key)\" is not an integer") }
                return value
            default: throw FormatError(reason: "\"\(key)\" is not a number")
            }
        }

        func float(_ key: String) throws(FormatError) -> Float? {
            switch values[key] {
            case nil, .null?: return nil
            case .number(let text)?:
                guard let value = Float(text) else { throw FormatError(reason: "\"\(key)\" is not a number") }
                return value
            default: throw FormatError(reason: "\"\(key)\" is not a number")
            }
        }
    }

    // MARK: Encodings

    /// The JSON fields of the vectors present (nil or empty ones are left out): `fc7`, `gem`
    /// and `rmac` as numbers, or `fc7_base64`, `gem_base64` and `rmac_base64`.
    public static func vectorFields(_ result: ImageResult, encoding: FeatureEncoding) -> [(String, String)] {
        [("fc7", result.features), ("gem", result.gem), ("rmac", result.rmac)].compactMap { name, vector in
            guard !vector.isEmpty else { return nil }
            switch encoding {
            case .json: return (name, JSONText.array(vector.map(JSONText.number)))
            case .base64F32: return (name + "_base64", JSONText.string(base64(vector)))
            }
        }
    }

    /// The little-endian float32 bytes of `values`, in base64.
    public static func base64(_ values: [Float]) -> String {
        Data(FloatCodec.encode(values)).base64EncodedString()
    }

}
