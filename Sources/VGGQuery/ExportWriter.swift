import Foundation
import VGGCommon
import VGGIndexTypes
import VGGModel

/// Writes exported rows as CSV, JSON lines or a NumPy .npy array (plus a paths file),
/// streaming: rows are written as they come, never collected.
public final class ExportWriter {
    public enum Format: String, CaseIterable, Sendable { case csv, jsonl, npy }

    private let format: Format
    private let features: Bool
    /// The vectors of the npy matrix.
    private let matrix: FeatureKind
    /// Length of the GeM and R-MAC columns in CSV.
    private let descriptorWidth: Int
    private let output: String?
    private var handle: FileHandle
    /// The output's bytes (a name given on the command line need not be UTF-8), and the
    /// files written beside it until `finish` renames them into place.
    private var target: [UInt8]?
    private var temporary: [UInt8]?
    private var pathsTemporary: [UInt8]?
    private var rows = 0
    private var dimension = 0
    private var pathsHandle: FileHandle?
    private var wroteHeader = false

    /// Rows written so far.
    public var rowCount: Int { rows }

    /// Writes to `output` (through `output.partial`, renamed by `finish`), or to standard
    /// output when nil.
    /// - matrix: which vectors the npy array holds (fc7/pool5, gem or rmac).
    /// - descriptorWidth: length of the gem and rmac columns of CSV (empty cells where a row
    ///   has none).
    public init(format: Format, features: Bool, output: String?, matrix: FeatureKind = .network, descriptorWidth: Int = 512) throws(QueryError) {
        self.format = format
        self.features = features
        self.matrix = matrix
        self.descriptorWidth = descriptorWidth
        self.output = output
        if let output {
            // Written beside the target and renamed at the end, so a failed export leaves no
            // half file, and an earlier export's files stay as they were.
            let target = ArgumentBytes.bytes(of: output)
            let temporary = target + Array(".partial".utf8)
            guard let handle = Self.create(temporary) else {
                throw .cannotWrite(path: output, reason: "cannot create \(PathBytes.display(temporary)) (\(String(cString: strerror(errno))))")
            }
            self.target = target
            self.temporary = temporary
            self.handle = handle
            if format == .npy {
                // The header is rewritten once the row count is known; reserve its 128 bytes.
                handle.write(Data(repeating: 0x20, count: 128))
                let pathsTemporary = target + Array(".paths.txt.partial".utf8)
                guard let paths = Self.create(pathsTemporary) else {
                    throw .cannotWrite(path: output + ".paths.txt", reason: "cannot create it (\(String(cString: strerror(errno))))")
                }
                self.pathsTemporary = pathsTemporary
                pathsHandle = paths
            }
        } else {
            handle = FileHandle.standardOutput
        }
    }

    public func write(_ row: ExportRow) throws(QueryError) {
        let path = PathBytes.text(row.path)
        rows += 1
        switch format {
        case .jsonl:
            let result = row.result
            var fields = JSONText.path("path", row.path) + [("top", JSONText.array(result.top.map(Self.topJSON)))]
            if features {
                fields.append(("fc7", JSONText.array(result.features.map(JSONText.number))))
                if !result.gem.isEmpty { fields.append(("gem", JSONText.array(result.gem.map(JSONText.number)))) }
                if !result.rmac.isEmpty { fields.append(("rmac", JSONText.array(result.rmac.map(JSONText.number)))) }
            }
            emit(JSONText.object(fields) + "\n")
        case .csv:
            if !wroteHeader {
                var header = ["path", "path_base64"]
                for rank in 1...5 { header += ["top\(rank)_index", "top\(rank)_wnid", "top\(rank)_label", "top\(rank)_probability"] }
                if features {
                    header += (0..<row.result.features.count).map { "fc7_\($0)" }
                    header += (0..<descriptorWidth).map { "gem_\($0)" } + (0..<descriptorWidth).map { "rmac_\($0)" }
                }
                emit(header.joined(separator: ",") + "\n")
                wroteHeader = true
            }
            var cells = [CSVText.field(path), PathBytes.base64UnlessText(row.path)]
            for rank in 0..<5 {
                if rank < row.result.top.count {
                    let entry = row.result.top[rank]
                    let label = ImageNetLabels.at(entry.index)
                    cells += ["\(entry.index)", label?.wnid ?? "", CSVText.field(label?.label ?? ""), "\(entry.probability)"]
                } else {
                    cells += ["", "", "", ""]
                }
            }
            if features {
                cells += row.result.features.map { "\($0)" }
                for vector in [row.result.gem, row.result.rmac] {
                    if vector.isEmpty {
                        cells += Array(repeating: "", count: descriptorWidth)
                        continue
                    }
                    guard vector.count == descriptorWidth else {
                        throw .inconsistent("\(PathBytes.display(row.path)): a descriptor of \(vector.count) values where the model has \(descriptorWidth)")
                    }
                    cells += vector.map { "\($0)" }
                }
            }
            emit(cells.joined(separator: ",") + "\n")
        case .npy:
            let vector = row.result.vector(matrix)
            guard !vector.isEmpty else {
                throw .empty("\(PathBytes.display(row.path)) has no \(matrix.rawValue) descriptor yet; run `vggbatch scan` again to compute them")
            }
            if dimension == 0 { dimension = vector.count }
            guard vector.count == dimension else { throw .inconsistent("feature vectors of different lengths in one model") }
            handle.write(Data(FloatCodec.encode(vector)))
            // One path per line: line breaks and bytes that are not UTF-8 as escapes.
            pathsHandle?.write(Data((PathBytes.display(row.path) + "\n").utf8))
        }
    }

    /// Completes the file (the .npy header) and moves it into place.
    public func finish() throws(QueryError) {
        if format == .npy {
            // NumPy format 1.0: magic, version, header length, dict padded so data starts at 128.
            var dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }"
            dictionary += String(repeating: " ", count: 128 - 10 - dictionary.count - 1) + "\n"
            var header = Data([0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0])
            header.append(Data(dictionary.utf8))
            handle.seek(toFileOffset: 0)
            handle.write(header)
            try? pathsHandle?.close()
        }
        if let temporary, let target, let output {
            try? handle.close()
            if let pathsTemporary, !Self.rename(pathsTemporary, target + Array(".paths.txt".utf8)) {
                throw .cannotWrite(path: output + ".paths.txt", reason: String(cString: strerror(errno)))
            }
            if !Self.rename(temporary, target) { throw .cannotWrite(path: output, reason: String(cString: strerror(errno))) }
        }
    }

    /// A new file at raw path bytes (truncated if there is one), for writing.
    private static func create(_ path: [UInt8]) -> FileHandle? {
        let descriptor = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        }
        return descriptor < 0 ? nil : FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    private static func rename(_ from: [UInt8], _ to: [UInt8]) -> Bool {
        (from + [0]).withUnsafeBufferPointer { a in
            (to + [0]).withUnsafeBufferPointer { b in
                a.withMemoryRebound(to: CChar.self) { a in b.withMemoryRebound(to: CChar.self) { b in Foundation.rename(a.baseAddress!, b.baseAddress!) == 0 } }
            }
        }
    }

    /// After a failed export: what was written goes (the partial file and the paths beside
    /// it); a file already at the output is left as it was.
    public func abandon() {
        guard let temporary else { return }
        try? handle.close()
        try? pathsHandle?.close()
        for partial in [temporary] + (pathsTemporary.map { [$0] } ?? []) {
            _ = (partial + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { unlink($0.baseAddress!) } }
        }
    }

    private func emit(_ text: String) { handle.write(Data(text.utf8)) }

    private static func topJSON(_ entry: (index: Int, probability: Float)) -> String {
        let label = ImageNetLabels.at(entry.index)
        return JSONText.object([
            ("index", "\(entry.index)"), ("wnid", JSONText.string(label?.wnid ?? "")),
            ("label", JSONText.string(label?.label ?? "")), ("probability", JSONText.number(entry.probability)),
        ])
    }
}
