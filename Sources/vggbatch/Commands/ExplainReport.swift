import Foundation
import VGGCommon
import VGGModel

/// `explain`'s table as text or JSON.
struct ExplainReport {
    var table: LayerTable
    var source: ExplainedSource
    /// The engine's precision shown, nil for a configuration it does not compute.
    var precision: String?

    var heading: String {
        let configuration = table.configuration
        let model = source.indexModel.map { "the index's model \($0), " } ?? ""
        let names = model + (source.file.map { "names from \($0)\(source.knownAs.map { " (\($0))" } ?? "")" } ?? "\(source.layout.rawValue) names")
        let engine = precision.map { "the engine computes it (precision \($0) on this CPU)" } ?? "the engine computes D only"
        return "\(configuration.commonName), configuration \(configuration.rawValue): \(table.input) input, \(names) (\(source.layout.rawValue) layout), "
            + "preprocessing \(source.preprocessing.rawValue); \(engine)"
    }

    func text() -> String {
        var lines = [heading, ""]
        lines += Self.columns(
            ["layer", "paper", "file name", "input", "output", "weight shape (file)", "weights"],
            table.rows.map { row in
                [row.name, row.paperName, row.fileName, "\(row.input)", "\(row.output)",
                 row.weightShape.map { "(\($0.map(String.init).joined(separator: ", ")))" } ?? "—", row.weightMeaning ?? "—"]
            })
        lines.append("")
        lines += Self.columns(
            ["layer", "parameters", "share", "multiply-adds", "receptive field", "jump", "start", "activations", "arithmetic"],
            table.rows.map { row in
                let field = row.receptiveField
                return [row.name, grouped(row.parameters), Self.percent(row.parameterShare), Self.giga(row.multiplyAdds),
                        field.map { "\($0.size)×\($0.size)" } ?? "whole image", field.map { "\($0.jump)" } ?? "—",
                        field.map { Self.decimal($0.start) } ?? "—", Self.megabytes(row.activationBytes), row.arithmetic]
            } + [["total", grouped(table.parameters), "100 %", Self.giga(table.multiplyAdds), "", "", "", Self.megabytes(table.activationBytes), ""]])
        lines.append("")
        lines.append("parameters: \(grouped(table.parameters)) (\(Int((Double(table.parameters) / 1e6).rounded())) million, as the paper's Table 2 "
            + "rounds them), multiply-adds per image: \(grouped(table.multiplyAdds)) (\(Self.giga(table.multiplyAdds)))")
        for (label, kind) in [("convolutions", LayerTable.Kind.convolution), ("fully connected", .fullyConnected)] {
            let part = table.totals(of: kind)
            guard part.parameters > 0 else { continue }
            lines.append("\(label): \(grouped(part.parameters)) parameters (\(Self.percent(Double(part.parameters) / Double(table.parameters)))), "
                + "\(Self.giga(part.multiplyAdds)) multiply-adds (\(Self.percent(Double(part.multiplyAdds) / Double(max(table.multiplyAdds, 1)))))")
        }
        lines.append("multiply-adds count one multiplication and its addition; torchinfo adds one per output for the bias: "
            + "\(grouped(table.multiplyAddsWithBias)). Activations are one image's outputs in float32, which the engine keeps between "
            + "layers in every precision.")
        lines.append("")
        lines += table.insights.map { "- \($0.text)" }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        struct Totals: Encodable {
            var parameters, multiplyAdds, multiplyAddsWithBias, activationBytes: Int
            var convolutionParameters, convolutionMultiplyAdds, fullyConnectedParameters, fullyConnectedMultiplyAdds: Int
        }
        struct Document: Encodable {
            var configuration, name, layout, preprocessing: String
            var computedByEngine: Bool
            var precision, weights: String?
            var input: LayerTable.Shape
            var layers: [LayerTable.Row]
            var totals: Totals
            var insights: [LayerTable.Insight]
        }
        let convolutions = table.totals(of: .convolution)
        let connected = table.totals(of: .fullyConnected)
        let document = Document(
            configuration: table.configuration.rawValue, name: table.configuration.commonName, layout: source.layout.rawValue,
            preprocessing: source.preprocessing.rawValue, computedByEngine: table.configuration.isComputed, precision: precision,
            weights: source.file, input: table.input, layers: table.rows,
            totals: Totals(
                parameters: table.parameters, multiplyAdds: table.multiplyAdds, multiplyAddsWithBias: table.multiplyAddsWithBias,
                activationBytes: table.activationBytes, convolutionParameters: convolutions.parameters,
                convolutionMultiplyAdds: convolutions.multiplyAdds, fullyConnectedParameters: connected.parameters,
                fullyConnectedMultiplyAdds: connected.multiplyAdds),
            insights: table.insights)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    /// Left-aligned columns, two spaces apart.
    static func columns(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
    }

    static func percent(_ share: Double) -> String {
        share == 0 ? "0" : String(format: share < 0.001 ? "%.3f %%" : "%.1f %%", 100 * share)
    }
    static func giga(_ value: Int) -> String { value == 0 ? "0" : String(format: "%.3f G", Double(value) / 1e9) }
    static func megabytes(_ bytes: Int) -> String { String(format: "%.2f MB", Double(bytes) / 1e6) }
    static func decimal(_ value: Double) -> String { value == value.rounded() ? "\(Int(value))" : String(format: "%.1f", value) }
}
